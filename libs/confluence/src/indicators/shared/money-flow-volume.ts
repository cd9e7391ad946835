/** Chaikin's money-flow volume, shared by Chaikin Money Flow and the A/D line. */
import type { Candle } from '../../domain/market-data.types.js';
import type { CandleColumns } from '../indicator.types.js';

/** Chaikin's money-flow volume: where the close sits in the range (−1..1, 0 when flat) × volume. */
export function moneyFlowVolume(candle: Candle): number {
  const range = candle.high - candle.low;
  const multiplier = range !== 0 ? (candle.close - candle.low - (candle.high - candle.close)) / range : 0;
  return multiplier * candle.volume;
}

/** Every candle's money-flow volume, for the kernels. */
export function moneyFlowVolumes(c: CandleColumns): Float64Array {
  const out = new Float64Array(c.length);
  for (let i = 0; i < c.length; i++) {
    const high = c.high[i] as number;
    const low = c.low[i] as number;
    const close = c.close[i] as number;
    const range = high - low;
    out[i] = range > 0 ? ((close - low - (high - close)) / range) * (c.volume[i] as number) : 0;
  }
  return out;
}
