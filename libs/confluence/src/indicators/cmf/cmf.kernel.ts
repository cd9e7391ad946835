import type { CandleColumns } from '../indicator.types.js';
import { notReady } from '../shared/kernels.js';
import { moneyFlowVolumes } from '../shared/money-flow-volume.js';

export function cmfKernel(c: CandleColumns, period: number): Float64Array {
  const flow = moneyFlowVolumes(c);
  const out = notReady(c.length);
  let flowSum = 0;
  let volumeSum = 0;
  for (let i = 0; i < c.length; i++) {
    flowSum += flow[i] as number;
    volumeSum += c.volume[i] as number;
    if (i >= period) {
      flowSum -= flow[i - period] as number;
      volumeSum -= c.volume[i - period] as number;
    }
    if (i >= period - 1) out[i] = volumeSum > 0 ? flowSum / volumeSum : 0;
  }
  return out;
}
