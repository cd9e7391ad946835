import type { CandleColumns } from '../indicator.types.js';
import { rangePositions } from '../shared/range-position.js';

export function williamsRKernel(c: CandleColumns, period: number): Float64Array {
  const out = rangePositions(c, period);
  for (let i = 0; i < out.length; i++) out[i] = -100 * (1 - (out[i] as number));
  return out;
}
