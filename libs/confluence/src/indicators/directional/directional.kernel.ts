import type { CandleColumns } from '../indicator.types.js';
import { notReady } from '../shared/kernels.js';
import { trueRanges } from '../shared/true-range.js';

/** TA-Lib ADX, +DI, −DI in percent (see Directional for the departures it corrects). */
export function directionalKernel(c: CandleColumns, period: number): Float64Array[] {
  const n = c.length;
  const adx = notReady(n);
  const plusDi = notReady(n);
  const minusDi = notReady(n);
  const range = trueRanges(c);
  let plusDm = 0;
  let minusDm = 0;
  let tr = 0;
  let dxSum = 0;
  let average = Number.NaN;
  for (let i = 1; i < n; i++) {
    const upMove = (c.high[i] as number) - (c.high[i - 1] as number);
    const downMove = (c.low[i - 1] as number) - (c.low[i] as number);
    const plus = upMove > 0 && upMove > downMove ? upMove : 0;
    const minus = downMove > 0 && downMove > upMove ? downMove : 0;
    if (i < period) {
      plusDm += plus;
      minusDm += minus;
      tr += range[i] as number;
      continue;
    }
    plusDm += plus - plusDm / period;
    minusDm += minus - minusDm / period;
    tr += (range[i] as number) - tr / period;
    const p = tr > 0 ? (100 * plusDm) / tr : 0;
    const m = tr > 0 ? (100 * minusDm) / tr : 0;
    plusDi[i] = p;
    minusDi[i] = m;
    const dx = p + m > 0 ? (100 * Math.abs(p - m)) / (p + m) : Number.NaN;
    if (i < 2 * period - 1) {
      if (!Number.isNaN(dx)) dxSum += dx;
      continue;
    }
    if (i === 2 * period - 1) average = (dxSum + (Number.isNaN(dx) ? 0 : dx)) / period;
    else if (!Number.isNaN(dx)) average = (average * (period - 1) + dx) / period;
    adx[i] = average;
  }
  return [adx, plusDi, minusDi];
}
