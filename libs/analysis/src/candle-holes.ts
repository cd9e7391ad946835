/** A run of candle times with no stored candle. */
export interface CandleHole {
  /** Open times of the first and last missing candle. */
  readonly from: number;
  readonly to: number;
  readonly count: number;
}

/** How many holes a report lists (the count covers all of them). */
const LISTED = 5;

/**
 * The candle times of one stream within [from, to] that have no stored candle, found from the
 * stored candles as they are read in order: a step longer than the interval between two of
 * them, and the times after the last one whose candles have closed. Times before the stream's
 * first stored candle are not holes (the stream did not exist yet).
 */
export class CandleHoles {
  #previous: number | null = null;
  #count = 0;
  readonly #listed: CandleHole[] = [];

  constructor(
    private readonly interval: number,
    private readonly from: number,
    private readonly to: number,
  ) {}

  get count(): number {
    return this.#count;
  }

  get listed(): readonly CandleHole[] {
    return this.#listed;
  }

  /** A stored candle of the stream, in order. */
  observe(openTime: number): void {
    if (this.#previous !== null) this.#gap(this.#previous + this.interval, openTime - this.interval);
    this.#previous = openTime;
  }

  /** Ends the stream: the times after its last stored candle whose candles closed by `now`. */
  finish(now: number): void {
    if (this.#previous !== null)
      this.#gap(this.#previous + this.interval, Math.min(this.to, now - this.interval));
  }

  #gap(first: number, last: number): void {
    const begin =
      first < this.from ? first + Math.ceil((this.from - first) / this.interval) * this.interval : first;
    const end = Math.min(last, this.to);
    if (end < begin) return;
    const count = Math.floor((end - begin) / this.interval) + 1;
    this.#count += count;
    if (this.#listed.length < LISTED)
      this.#listed.push({ from: begin, to: begin + (count - 1) * this.interval, count });
  }
}
