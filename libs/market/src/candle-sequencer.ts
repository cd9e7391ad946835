import type { Candle } from '@app/confluence';
import { type Timeframe, timeframeToMs } from '@app/contracts';

/** A candle as an exchange reports it (the engine's Candle); the newest one may still be forming. */
export type RawCandle = Candle;

/** Candles to fetch from REST history: open times from `from` to `to`, inclusive. */
export interface BackfillRange {
  readonly from: number;
  readonly to: number;
}

export interface SequencerOutput {
  /** Closed candles to publish now: new, in order, contiguous with what came before. */
  readonly publish: readonly RawCandle[];
  /** Set when candles are missing: fetch this range and hand it to `fill()` before anything newer is published. */
  readonly backfill: BackfillRange | null;
  /** Updates ignored: already published (duplicates) or older than the published series. */
  readonly duplicates: number;
  /** Updates for candles that are still forming (kept until they close). */
  readonly forming: number;
  /** Updates whose open time is not on the timeframe's grid (dropped; the caller logs and counts them). */
  readonly misaligned: number;
}

export interface PageOptions {
  /**
   * Whether the page's newest row may be a forming candle. True for a "latest candles" poll (an
   * exchange always returns its forming candle last — and a lagging replica's forming candle can
   * look closed by our clock). False only for a history page cut short by its limit, whose rows
   * are all behind the exchange's forming candle.
   */
  readonly newestMayBeForming: boolean;
}

/**
 * Turns a market stream's candle pages — polled, overlapping, repeated, out of order, sometimes
 * from a lagging replica — into a series of closed candles published once each, in order and
 * without holes. A candle is published only from a page that shows it closed: its interval has
 * ended by `now` and a newer row follows it (or the page is a full history page). A forming
 * snapshot is never published, whatever the clock says. A hole (missed intervals after downtime
 * or a dropped connection) holds newer candles back and asks for a backfill of the missing range.
 */
export class CandleSequencer {
  readonly #interval: number;
  /** Open time of the last candle published; null before the first. */
  #last: number | null = null;
  /** Closed candles waiting for a backfill to close the hole before them, by open time. */
  readonly #held = new Map<number, RawCandle>();
  #awaiting: BackfillRange | null = null;

  constructor(readonly timeframe: Timeframe) {
    this.#interval = timeframeToMs(timeframe);
  }

  get lastPublished(): number | null {
    return this.#last;
  }

  /** The range asked for and not yet filled, if any. */
  get awaitingBackfill(): BackfillRange | null {
    return this.#awaiting;
  }

  /** Starts the series after `openTime` (e.g. the last candle stored before a restart). */
  resumeAfter(openTime: number): void {
    this.#last = openTime;
  }

  /** Takes a page of candles observed at `now` (ms) and says what to publish and what to fetch. */
  update(
    candles: readonly RawCandle[],
    now: number,
    options: PageOptions = { newestMayBeForming: true },
  ): SequencerOutput {
    let duplicates = 0;
    let forming = 0;
    let misaligned = 0;
    let newest = -Infinity;
    for (const candle of candles) newest = Math.max(newest, candle.timestamp);
    for (const candle of candles) {
      // Weekly and monthly candles follow calendar rules, so only ≤ 1d grids are checked.
      if (this.#interval <= 86_400_000 && candle.timestamp % this.#interval !== 0) {
        misaligned++;
        continue;
      }
      if (this.#last !== null && candle.timestamp <= this.#last) {
        duplicates++;
        continue;
      }
      if (
        now < candle.timestamp + this.#interval ||
        (options.newestMayBeForming && candle.timestamp === newest)
      ) {
        forming++;
        continue;
      }
      this.#held.set(candle.timestamp, candle);
    }
    return { ...this.#release(), duplicates, forming, misaligned };
  }

  /**
   * The exchange has no candles before `nextAvailable` in the hole (an outage on its side, or a
   * market listed later): give up on them and go on from there. Callers log and count it.
   */
  skipMissing(nextAvailable: number): SequencerOutput {
    if (this.#last === null || nextAvailable - this.#interval > this.#last)
      this.#last = nextAvailable - this.#interval;
    return { ...this.#release(), duplicates: 0, forming: 0, misaligned: 0 };
  }

  /** Hands over a history page fetched for a backfill (any superset of the range is fine). */
  fill(candles: readonly RawCandle[], now: number, options: PageOptions): SequencerOutput {
    return this.update(candles, now, options);
  }

  /** Publishes held candles while they continue the series; stops at the first hole. */
  #release(): { publish: RawCandle[]; backfill: BackfillRange | null } {
    const publish: RawCandle[] = [];
    const times = [...this.#held.keys()].sort((a, b) => a - b);
    for (const time of times) {
      const candle = this.#held.get(time);
      if (candle === undefined) continue;
      if (this.#last !== null && time !== this.#last + this.#interval) {
        this.#awaiting = { from: this.#last + this.#interval, to: time - this.#interval };
        return { publish, backfill: this.#awaiting };
      }
      publish.push(candle);
      this.#held.delete(time);
      this.#last = time;
    }
    this.#awaiting = null;
    return { publish, backfill: null };
  }
}
