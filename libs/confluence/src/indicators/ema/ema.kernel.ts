import { smoothKernel } from '../shared/kernels.js';

/** TA-Lib EMA: SMA seed over source[start .. start+period−1], then k = 2 / (period + 1). */
export function emaKernel(source: Float64Array, period: number, start = 0): Float64Array {
  return smoothKernel(source, period, start, 2 / (period + 1));
}
