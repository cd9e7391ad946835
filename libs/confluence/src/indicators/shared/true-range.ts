/** Wilder's true range, shared by ATR and the directional movement system (ADX, ±DI). */
import type { CandleColumns } from '../indicator.types.js';
import { max, min } from '../../domain/fast-math.js';

/** Wilder's true range against the previous close. */
export function trueRange(high: number, low: number, previousClose: number): number {
  return max(high, previousClose) - min(low, previousClose);
}

/** Every candle's true range (0 for the first, which has no previous close), for the kernels. */
export function trueRanges(c: CandleColumns): Float64Array {
  const out = new Float64Array(c.length);
  for (let i = 1; i < c.length; i++) {
    const previousClose = c.close[i - 1] as number;
    out[i] = Math.max(c.high[i] as number, previousClose) - Math.min(c.low[i] as number, previousClose);
  }
  return out;
}
