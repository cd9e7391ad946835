import type { CandleColumns } from '../indicator.types.js';
import { notReady } from '../shared/kernels.js';

export function obvKernel(c: CandleColumns): Float64Array {
  const out = notReady(c.length);
  if (c.length === 0) return out;
  let total = c.volume[0] as number;
  out[0] = total;
  for (let i = 1; i < c.length; i++) {
    const change = (c.close[i] as number) - (c.close[i - 1] as number);
    if (change > 0) total += c.volume[i] as number;
    else if (change < 0) total -= c.volume[i] as number;
    out[i] = total;
  }
  return out;
}
