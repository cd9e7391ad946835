import { notReady } from '../shared/kernels.js';
import { smaKernel } from '../sma/sma.kernel.js';

export function bollingerKernel(close: Float64Array, period: number, deviations: number): Float64Array[] {
  const n = close.length;
  const middle = smaKernel(close, period);
  const upper = notReady(n);
  const lower = notReady(n);
  for (let i = period - 1; i < n; i++) {
    const mean = middle[i] as number;
    let squares = 0;
    for (let j = i - period + 1; j <= i; j++) squares += ((close[j] as number) - mean) ** 2;
    const band = deviations * Math.sqrt(squares / period);
    upper[i] = mean + band;
    lower[i] = mean - band;
  }
  return [upper, middle, lower];
}
