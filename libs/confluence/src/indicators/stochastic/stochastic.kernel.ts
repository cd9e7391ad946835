import type { CandleColumns } from '../indicator.types.js';
import { notReady } from '../shared/kernels.js';
import { rangePositions } from '../shared/range-position.js';

export function stochasticKernel(
  c: CandleColumns,
  kPeriod: number,
  kSmoothing: number,
  dPeriod: number,
): Float64Array[] {
  const n = c.length;
  const fastK = rangePositions(c, kPeriod);
  const slowK = notReady(n);
  const k = notReady(n);
  const d = notReady(n);
  const firstSlowK = kPeriod + kSmoothing - 2;
  const firstD = firstSlowK + dPeriod - 1;
  // One pass: SMA of fast %K (slow %K) and SMA of slow %K (%D) as running sums.
  let kSum = 0;
  let dSum = 0;
  for (let i = kPeriod - 1; i < n; i++) {
    kSum += 100 * (fastK[i] as number);
    if (i - kSmoothing >= kPeriod - 1) kSum -= 100 * (fastK[i - kSmoothing] as number);
    if (i < firstSlowK) continue;
    const slow = kSum / kSmoothing;
    slowK[i] = slow;
    dSum += slow;
    if (i - dPeriod >= firstSlowK) dSum -= slowK[i - dPeriod] as number;
    if (i < firstD) continue;
    k[i] = slow;
    d[i] = dSum / dPeriod;
  }
  return [k, d];
}
