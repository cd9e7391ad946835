import { notReady } from '../shared/kernels.js';

export function rocKernel(close: Float64Array, period: number): Float64Array {
  const out = notReady(close.length);
  for (let i = period; i < close.length; i++) {
    const previous = close[i - period] as number;
    out[i] = (((close[i] as number) - previous) / previous) * 100;
  }
  return out;
}
