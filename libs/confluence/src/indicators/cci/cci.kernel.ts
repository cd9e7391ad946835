import type { CandleColumns } from '../indicator.types.js';
import { notReady } from '../shared/kernels.js';
import { FLAT_TOLERANCE } from './cci.indicator.js';

export function cciKernel(c: CandleColumns, period: number): Float64Array {
  const n = c.length;
  const typical = new Float64Array(n);
  for (let i = 0; i < n; i++)
    typical[i] = ((c.high[i] as number) + (c.low[i] as number) + (c.close[i] as number)) / 3;
  const out = notReady(n);
  for (let i = period - 1; i < n; i++) {
    let sum = 0;
    for (let j = i - period + 1; j <= i; j++) sum += typical[j] as number;
    const mean = sum / period;
    let deviation = 0;
    for (let j = i - period + 1; j <= i; j++) deviation += Math.abs((typical[j] as number) - mean);
    deviation /= period;
    out[i] =
      deviation > FLAT_TOLERANCE * Math.abs(mean) ? ((typical[i] as number) - mean) / (0.015 * deviation) : 0;
  }
  return out;
}
