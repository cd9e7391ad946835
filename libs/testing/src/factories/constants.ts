import type { MarketRef, Signal, Timeframe } from '@app/contracts';
// The contracts barrel would load class-validator; this leaf file imports nothing.
import { timeframeToMs } from '../../../contracts/src/timeframe.js';

/** Friday 2021-02-19 00:00 UTC, the first candle of the bundled BTC files: aligned for every timeframe up to 1d. */
export const FACTORY_EPOCH = Date.UTC(2021, 1, 19);

export const MINUTE_MS = 60_000;

/** The market every factory builds for unless told otherwise. */
export const FACTORY_MARKET: MarketRef = Object.freeze({ exchange: 'binance', symbol: 'BTC/USDT' });

export const FACTORY_TIMEFRAME: Timeframe = '1m';

/** The shipped label thresholds (config/weights.yaml), so a default label agrees with its score. */
export const FACTORY_THRESHOLDS = Object.freeze({ short: 40, long: 60 });

/** The engine's labelFor at the shipped thresholds (kept here: the engine's module loads the contracts barrel). */
export function labelForScore(score: number): Signal {
  if (score >= FACTORY_THRESHOLDS.long) return 'LONG';
  if (score <= FACTORY_THRESHOLDS.short) return 'SHORT';
  return 'NEUTRAL';
}

/** A SHA-256-shaped hex string unique to `seed`, for hashes the contracts only check the form of. */
export function hexDigestOf(seed: number): string {
  return Math.trunc(Math.abs(seed)).toString(16).padStart(64, '0');
}

/** Spacing of a series: an explicit interval wins (odd or unaligned spacings), else the timeframe's. */
export function intervalOf(options: {
  readonly timeframe?: Timeframe;
  readonly intervalMs?: number;
}): number {
  const interval = options.intervalMs ?? timeframeToMs(options.timeframe ?? FACTORY_TIMEFRAME);
  if (!(interval > 0) || !Number.isFinite(interval))
    throw new RangeError(`interval must be > 0, got ${interval}`);
  return interval;
}

export function checkCount(count: number): void {
  if (!Number.isInteger(count) || count < 0)
    throw new RangeError(`count must be an integer ≥ 0, got ${count}`);
}
