import type { CandleColumns } from '../indicator.types.js';
import { notReady } from '../shared/kernels.js';

export function awesomeOscillatorKernel(c: CandleColumns, fast: number, slow: number): Float64Array {
  const n = c.length;
  const median = new Float64Array(n);
  for (let i = 0; i < n; i++) median[i] = ((c.high[i] as number) + (c.low[i] as number)) / 2;
  const out = notReady(n);
  // One pass with both running sums: AO = SMA(fast) − SMA(slow) of the median price.
  let fastSum = 0;
  let slowSum = 0;
  for (let i = 0; i < n; i++) {
    const m = median[i] as number;
    fastSum += m;
    slowSum += m;
    if (i >= fast) fastSum -= median[i - fast] as number;
    if (i >= slow) slowSum -= median[i - slow] as number;
    if (i >= slow - 1) out[i] = fastSum / fast - slowSum / slow;
  }
  return out;
}
