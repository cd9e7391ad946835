import { notReady } from '../shared/kernels.js';

export function rsiKernel(close: Float64Array, period: number): Float64Array {
  const n = close.length;
  const out = notReady(n);
  const k = 1 / period;
  let gain = 0;
  let loss = 0;
  // One pass: Wilder averages of gains and losses, seeded with their SMA over the first period.
  for (let i = 1; i < n; i++) {
    const change = (close[i] as number) - (close[i - 1] as number);
    const up = change > 0 ? change : 0;
    const down = change < 0 ? -change : 0;
    if (i < period) {
      gain += up;
      loss += down;
      continue;
    }
    if (i === period) {
      gain = (gain + up) / period;
      loss = (loss + down) / period;
    } else {
      gain = up * k + gain * (1 - k);
      loss = down * k + loss * (1 - k);
    }
    const total = gain + loss;
    out[i] = total > 0 ? (100 * gain) / total : 50;
  }
  return out;
}
