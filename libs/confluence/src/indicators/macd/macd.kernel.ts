import { emaKernel } from '../ema/ema.kernel.js';
import { notReady } from '../shared/kernels.js';

export function macdKernel(close: Float64Array, fast: number, slow: number, signal: number): Float64Array[] {
  const n = close.length;
  const slowEma = emaKernel(close, slow);
  const fastEma = emaKernel(close, fast, slow - fast);
  const line = notReady(n);
  for (let i = slow - 1; i < n; i++) line[i] = (fastEma[i] as number) - (slowEma[i] as number);
  const signalLine = emaKernel(line, signal, slow - 1);
  const macd = notReady(n);
  const histogram = notReady(n);
  for (let i = slow + signal - 2; i < n; i++) {
    macd[i] = line[i] as number;
    histogram[i] = (line[i] as number) - (signalLine[i] as number);
  }
  return [macd, signalLine, histogram];
}
