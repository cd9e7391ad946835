import { arrayOf, check, count, num, object, type Snapshotable } from '../../snapshot/state-codec.js';
import { abs, INFINITY, max, min, NAN } from '../../domain/fast-math.js';

/** The filled slots in storage order and the next slot to write: a scan's order depends on both. */
export interface RollingWindowState {
  readonly values: readonly number[];
  readonly next: number;
}

const STATE = object<RollingWindowState>({ values: arrayOf(num), next: count });

/**
 * A fixed-size ring buffer of numbers: O(1) push, O(size) scans. Indicator windows are short
 * (tens of candles), so a scan beats the bookkeeping of a monotonic deque here.
 */
export class RollingWindow implements Snapshotable<RollingWindowState> {
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
    const evicted = this.#count === this.size ? (this.#values[this.#next] as number) : NAN;
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
    let highest = -INFINITY;
    for (let i = 0; i < this.#count; i++) highest = max(highest, this.#values[i] as number);
    return highest;
  }

  min(): number {
    let lowest = INFINITY;
    for (let i = 0; i < this.#count; i++) lowest = min(lowest, this.#values[i] as number);
    return lowest;
  }

  /** Mean absolute deviation of the window around `mean`. */
  meanDeviation(mean: number): number {
    let sum = 0;
    for (let i = 0; i < this.#count; i++) sum += abs((this.#values[i] as number) - mean);
    return sum / this.#count;
  }

  /**
   * Σ values, added oldest first from 0 — the order of a sum over the window as a list, so a
   * mean over it is the same double as `values.reduce((s, x) => s + x, 0) / n`.
   */
  sum(): number {
    const values = this.#values;
    const start = this.isFull ? this.#next : 0;
    let sum = 0;
    for (let i = start; i < this.#count; i++) sum += values[i] as number;
    for (let i = 0; i < start; i++) sum += values[i] as number;
    return sum;
  }

  /** Σ (value − mean)², oldest first (population variance × count). */
  squaredDeviations(mean: number): number {
    const values = this.#values;
    const start = this.isFull ? this.#next : 0;
    let sum = 0;
    for (let i = start; i < this.#count; i++) {
      const d = (values[i] as number) - mean;
      sum += d * d;
    }
    for (let i = 0; i < start; i++) {
      const d = (values[i] as number) - mean;
      sum += d * d;
    }
    return sum;
  }

  save(): RollingWindowState {
    return { values: Array.from(this.#values.subarray(0, this.#count)), next: this.#next };
  }

  load(state: unknown, path: string): void {
    const { values, next } = STATE(state, path);
    check(
      values.length <= this.size,
      `${path}.values`,
      `holds ${values.length} values, window is ${this.size}`,
    );
    const full = values.length === this.size;
    check(full ? next < this.size : next === values.length, `${path}.next`, `${next} is not a slot to write`);
    this.#values.fill(0);
    this.#values.set(values);
    this.#next = next;
    this.#count = values.length;
  }
}
