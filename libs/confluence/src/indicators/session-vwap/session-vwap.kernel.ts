import type { CandleColumns } from '../indicator.types.js';
import { notReady } from '../shared/kernels.js';

export function sessionVwapKernel(c: CandleColumns): Float64Array {
  const out = notReady(c.length);
  let session = Number.NaN;
  let priceVolume = 0;
  let volume = 0;
  for (let i = 0; i < c.length; i++) {
    const day = Math.floor((c.timestamp[i] as number) / 86_400_000);
    if (day !== session) {
      session = day;
      priceVolume = 0;
      volume = 0;
    }
    const typical = ((c.high[i] as number) + (c.low[i] as number) + (c.close[i] as number)) / 3;
    priceVolume += typical * (c.volume[i] as number);
    volume += c.volume[i] as number;
    if (volume > 0) out[i] = priceVolume / volume;
  }
  return out;
}
