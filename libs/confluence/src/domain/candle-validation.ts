import {
  alignmentFault,
  type CandleFault,
  candleFaults,
  isAlignedOpenTime,
  type Timeframe,
  timeframeToMs,
} from '@app/contracts';
import type { Candle } from './market-data.types.js';

const DAY_MS = 86_400_000;

/**
 * Why a candle cannot be analysed (`high must be ≥ low`), or null when it is sound: the rules of
 * `candleFaults` (@app/contracts), and an open time aligned to the timeframe. Only timeframes up
 * to a day are checked for alignment here: weekly and monthly candles follow calendar rules that
 * not every exchange shares (the REST edge, which names the calendar it expects, checks them).
 */
export function candleProblem(candle: Candle, timeframe: Timeframe): string | null {
  const faults = candleFaults(candle, true);
  // Indexed, not destructured: array destructuring runs the iterator protocol on every candle.
  if (faults.length > 0) {
    const fault = faults[0] as CandleFault;
    return `${fault.field} ${fault.message}`;
  }
  if (timeframeToMs(timeframe) <= DAY_MS && !isAlignedOpenTime(candle.timestamp, timeframe))
    return `timestamp ${alignmentFault(timeframe)}`;
  return null;
}
