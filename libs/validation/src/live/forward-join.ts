import { type Timeframe, timeframeToMs } from '@app/contracts';
import { logReturn } from '../stats/returns.js';

/** The open time of the candle `horizon` candles after the one that opened at `time`. */
export function candleOpenAfter(time: number, timeframe: Timeframe, horizon: number): number {
  if (timeframe !== '1M') return time + horizon * timeframeToMs(timeframe);
  // Monthly candles open on the 1st, 00:00 UTC: calendar months, not a fixed 30 days.
  const open = new Date(time);
  return Date.UTC(open.getUTCFullYear(), open.getUTCMonth() + horizon, 1);
}

/**
 * Each sample's forward log return ln(close[t+h] / close[t]), joined by candle time: the partner
 * is the sample of the candle exactly `horizon` candles later. NaN where that sample is missing
 * (a hole, or not yet closed) or a close is not > 0 — never a return over another span.
 * Through `logReturn`, as `forwardLogReturns`, so both agree to the bit.
 */
export function joinedForwardReturns(
  samples: readonly { readonly candleTime: number; readonly close: number }[],
  timeframe: Timeframe,
  horizon: number,
): Float64Array {
  const closes = new Map<number, number>();
  for (const sample of samples) closes.set(sample.candleTime, sample.close);
  const out = new Float64Array(samples.length).fill(Number.NaN);
  samples.forEach((sample, i) => {
    const later = closes.get(candleOpenAfter(sample.candleTime, timeframe, horizon)) ?? Number.NaN;
    out[i] = logReturn(sample.close, later);
  });
  return out;
}
