import type { CandleColumns } from '../indicator.types.js';
import { moneyFlowVolumes } from '../shared/money-flow-volume.js';

export function adLineKernel(c: CandleColumns): Float64Array {
  const flow = moneyFlowVolumes(c);
  const out = new Float64Array(c.length);
  let total = 0;
  for (let i = 0; i < c.length; i++) {
    total += flow[i] as number;
    out[i] = total;
  }
  return out;
}
