import { type Timeframe, timeframeToMs } from '@app/contracts';
import type { Candle } from './market-data.types.js';

const DAY_MS = 86_400_000;

/**
 * Why a candle cannot be analysed, or null when it is sound: positive finite prices, high ≥
 * max(open, close), low ≤ min(open, close), finite volume ≥ 0, an integer open time aligned to
 * the timeframe (weekly and monthly candles follow calendar rules, so only ≤ 1d are checked).
 */
export function candleProblem(candle: Candle, timeframe: Timeframe): string | null {
  const { timestamp, open, high, low, close, volume } = candle;
  // Unrolled: this runs for every candle of every analysis.
  if (!isPositive(open)) return 'open must be a positive finite number';
  if (!isPositive(high)) return 'high must be a positive finite number';
  if (!isPositive(low)) return 'low must be a positive finite number';
  if (!isPositive(close)) return 'close must be a positive finite number';
  if (typeof volume !== 'number' || !Number.isFinite(volume) || volume < 0)
    return 'volume must be a finite number ≥ 0';
  if (!Number.isSafeInteger(timestamp) || timestamp < 0)
    return 'timestamp must be a non-negative integer (ms)';
  if (high < Math.max(open, close)) return 'high must be ≥ max(open, close)';
  if (low > Math.min(open, close)) return 'low must be ≤ min(open, close)';
  const interval = timeframeToMs(timeframe);
  if (interval <= DAY_MS && timestamp % interval !== 0) return `timestamp must be aligned to ${timeframe}`;
  return null;
}

function isPositive(value: unknown): boolean {
  return typeof value === 'number' && Number.isFinite(value) && value > 0;
}
