/** Analysis lag (input published → result published), over the most recent `capacity` results. */
export class LagTracker {
  readonly #samples: Float64Array;
  #count = 0;
  #next = 0;
  #last: number | null = null;

  constructor(capacity = 2048) {
    this.#samples = new Float64Array(capacity);
  }

  record(lagMs: number): void {
    const lag = Math.max(0, lagMs);
    this.#samples[this.#next] = lag;
    this.#next = (this.#next + 1) % this.#samples.length;
    this.#count = Math.min(this.#count + 1, this.#samples.length);
    this.#last = lag;
  }

  summary(): { readonly last: number | null; readonly p50: number | null; readonly p99: number | null } {
    if (this.#count === 0) return { last: null, p50: null, p99: null };
    const sorted = this.#samples.slice(0, this.#count).sort();
    const at = (q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
    return { last: this.#last, p50: at(0.5), p99: at(0.99) };
  }
}
