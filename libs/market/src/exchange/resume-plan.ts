import type { CandleSpan } from './gap-tracker.js';

export interface ResumeInput {
  readonly now: number;
  /** The timeframe's length (ms). */
  readonly interval: number;
  /** Closed candles consumers need for warm indicators; always published at start. */
  readonly warmup: number;
  /** Most candles to backfill from the last stored one (exchanges.yaml `resume.maxCandles`). */
  readonly maxCandles: number;
  /** Open time of the newest candle a consumer stored, or null when there is none. */
  readonly lastStored: number | null;
}

export interface ResumePlan {
  /** The series starts after this open time: the first backfill asks for the next candle on. */
  readonly after: number;
  /** Candles after the last stored one that the bound leaves out (never fetched), or null. */
  readonly unbackfilled: CandleSpan | null;
}

/**
 * Where a stream starts: after its last stored candle, so a restart leaves no hole in the store,
 * unless the warm-up reaches further back (the warm-up is always published, for consumers that
 * rebuild from the bus). A hole longer than the bound (and the warm-up) is filled from its newest
 * end; its older part is reported.
 */
export function planResume({ now, interval, warmup, maxCandles, lastStored }: ResumeInput): ResumePlan {
  const lastClosed = Math.floor(now / interval) * interval - interval;
  const warmupAfter = lastClosed - warmup * interval;
  if (lastStored === null || lastStored >= warmupAfter) return { after: warmupAfter, unbackfilled: null };
  const boundAfter = lastClosed - Math.max(warmup, maxCandles) * interval;
  if (lastStored >= boundAfter) return { after: lastStored, unbackfilled: null };
  const from = lastStored + interval;
  return {
    after: boundAfter,
    unbackfilled: { from, to: boundAfter, candles: Math.round((boundAfter - from) / interval) + 1 },
  };
}
