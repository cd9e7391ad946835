/**
 * A fixed-size ring buffer of numbers: O(1) push, O(size) scans. Indicator windows are short
 * (tens of candles), so a scan beats the bookkeeping of a monotonic deque here.
 */
export class RollingWindow {
  readonly #values: Float64Array;
  #next = 0;
  #count = 0;

  constructor(readonly size: number) {
    this.#values = new Float64Array(size);
  }

  get isFull(): boolean {
    return this.#count === this.size;
  }

  get count(): number {
    return this.#count;
  }

  /** Adds a value and returns the one it pushed out (NaN while the window is filling). */
  push(value: number): number {
    const evicted = this.#count === this.size ? (this.#values[this.#next] as number) : Number.NaN;
    this.#values[this.#next] = value;
    this.#next = (this.#next + 1) % this.size;
    if (this.#count < this.size) this.#count++;
    return evicted;
  }

  /** The value `back` steps before the newest (0 = newest). */
  at(back: number): number {
    return this.#values[(this.#next - 1 - back + 2 * this.size) % this.size] as number;
  }

  max(): number {
    let max = -Infinity;
    for (let i = 0; i < this.#count; i++) max = Math.max(max, this.#values[i] as number);
    return max;
  }

  min(): number {
    let min = Infinity;
    for (let i = 0; i < this.#count; i++) min = Math.min(min, this.#values[i] as number);
    return min;
  }

  /** Mean absolute deviation of the window around `mean`. */
  meanDeviation(mean: number): number {
    let sum = 0;
    for (let i = 0; i < this.#count; i++) sum += Math.abs((this.#values[i] as number) - mean);
    return sum / this.#count;
  }
}
