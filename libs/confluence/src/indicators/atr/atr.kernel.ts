import type { CandleColumns } from '../indicator.types.js';
import { wilderKernel } from '../shared/kernels.js';
import { trueRanges } from '../shared/true-range.js';

export function atrKernel(c: CandleColumns, period: number): Float64Array {
  return wilderKernel(trueRanges(c), period, 1);
}
