import { notReady } from '../shared/kernels.js';

/** SMA of `source` from index `start` on; first value at start + period − 1. */
export function smaKernel(source: Float64Array, period: number, start = 0): Float64Array {
  const out = notReady(source.length);
  let sum = 0;
  for (let i = start; i < source.length; i++) {
    sum += source[i] as number;
    if (i - start >= period) sum -= source[i - period] as number;
    if (i - start >= period - 1) out[i] = sum / period;
  }
  return out;
}
