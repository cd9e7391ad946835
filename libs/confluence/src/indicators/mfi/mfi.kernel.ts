import type { CandleColumns } from '../indicator.types.js';
import { notReady } from '../shared/kernels.js';

export function mfiKernel(c: CandleColumns, period: number): Float64Array {
  const n = c.length;
  const positive = new Float64Array(n);
  const negative = new Float64Array(n);
  let previousTypical = Number.NaN;
  for (let i = 0; i < n; i++) {
    const typical = ((c.high[i] as number) + (c.low[i] as number) + (c.close[i] as number)) / 3;
    const flow = typical * (c.volume[i] as number);
    if (typical > previousTypical) positive[i] = flow;
    else if (typical < previousTypical) negative[i] = flow;
    previousTypical = typical;
  }
  const out = notReady(n);
  let up = 0;
  let down = 0;
  for (let i = 1; i < n; i++) {
    up += positive[i] as number;
    down += negative[i] as number;
    if (i > period) {
      up -= positive[i - period] as number;
      down -= negative[i - period] as number;
    }
    if (i >= period) out[i] = up + down > 0 ? (100 * up) / (up + down) : 50;
  }
  return out;
}
