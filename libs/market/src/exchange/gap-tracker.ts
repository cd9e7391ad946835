/** How long a hole an exchange's answers skip over is asked for again (exchanges.yaml `gaps`). */
export interface GapPolicy {
  /** Answers that may lack a hole's candles before they are declared missing (1 = at the first). */
  readonly attempts: number;
  /** Wait before asking again, doubled after each answer that still lacks them. */
  readonly retryMs: number;
}

/** Candles by open time, inclusive. */
export interface CandleSpan {
  readonly from: number;
  readonly to: number;
  readonly candles: number;
}

/** A hole the exchange has skipped over so far, still asked for. */
export interface PendingGap extends CandleSpan {
  /** Answers that lacked it. */
  readonly attempts: number;
  readonly firstSeenAt: number;
  readonly nextRetryAt: number;
}

/** A hole given up on: the exchange never served its candles. */
export interface MissingGap extends CandleSpan {
  readonly attempts: number;
  readonly declaredAt: number;
}

export type GapVerdict =
  | { readonly verdict: 'retry'; readonly gap: PendingGap }
  | { readonly verdict: 'missing'; readonly gap: MissingGap };

/** Declared-missing holes listed in status (the newest); `missing` counts them all. */
const LISTED_MISSING = 20;

/**
 * One stream's holes that an exchange's answers skipped over (it served newer candles but not
 * these): each is asked for again on a doubling wait until the policy's attempts are spent, then
 * declared missing. The sequencer fills one hole at a time, so at most one is pending.
 */
export class GapTracker {
  #pending: PendingGap | null = null;
  readonly #missing: MissingGap[] = [];
  #missingCandles = 0;

  constructor(
    private readonly policy: GapPolicy,
    private readonly interval: number,
  ) {}

  /** Whether the hole starting at `from` may be asked for at `now` (not while a retry waits). */
  due(from: number, now: number): boolean {
    const pending = this.#pending;
    return pending?.from !== from || now >= pending.nextRetryAt;
  }

  /**
   * The series has reached `lastPublished`: a pending hole it covers is filled (returned, for
   * the log); one it covers in part stays pending from its new start, attempts kept.
   */
  settle(lastPublished: number | null): PendingGap | null {
    const pending = this.#pending;
    if (pending === null || lastPublished === null || lastPublished < pending.from) return null;
    if (lastPublished >= pending.to) {
      this.#pending = null;
      return pending;
    }
    const from = lastPublished + this.interval;
    this.#pending = { ...pending, from, candles: this.#count(from, pending.to) };
    return null;
  }

  /** An answer at `now` had candles after the hole but none from `from` to `to`. */
  skipped(from: number, to: number, now: number): GapVerdict {
    const previous = this.#pending?.from === from ? this.#pending : null;
    const attempts = (previous?.attempts ?? 0) + 1;
    const span = { from, to, candles: this.#count(from, to) };
    if (attempts >= this.policy.attempts) {
      this.#pending = null;
      const gap: MissingGap = { ...span, attempts, declaredAt: now };
      this.#missingCandles += gap.candles;
      this.#missing.push(gap);
      if (this.#missing.length > LISTED_MISSING) this.#missing.shift();
      return { verdict: 'missing', gap };
    }
    const wait = this.policy.retryMs * 2 ** (attempts - 1);
    const gap: PendingGap = {
      ...span,
      attempts,
      firstSeenAt: previous?.firstSeenAt ?? now,
      nextRetryAt: now + wait,
    };
    this.#pending = gap;
    return { verdict: 'retry', gap };
  }

  get pending(): readonly PendingGap[] {
    return this.#pending === null ? [] : [this.#pending];
  }

  /** Candles declared missing, in all. */
  get missingCandles(): number {
    return this.#missingCandles;
  }

  /** The newest holes declared missing, oldest first. */
  get missing(): readonly MissingGap[] {
    return [...this.#missing];
  }

  #count(from: number, to: number): number {
    return Math.round((to - from) / this.interval) + 1;
  }
}
