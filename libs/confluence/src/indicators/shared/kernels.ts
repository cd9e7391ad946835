/**
 * Building blocks of the batch kernels. Each indicator's kernel (`<name>/<name>.kernel.ts`) is the
 * same definition as its streaming indicator, as a straight loop over Float64Arrays, for cold
 * starts, backtests and the indicator export. NaN marks "not ready".
 * `indicator.contract.spec.ts` proves each equal to its streaming twin on real candles.
 */

export function notReady(length: number): Float64Array {
  return new Float64Array(length).fill(Number.NaN);
}

/** Wilder's smoothing (RMA): SMA seed, then k = 1 / period. */
export function wilderKernel(source: Float64Array, period: number, start = 0): Float64Array {
  return smoothKernel(source, period, start, 1 / period);
}

/** SMA seed over source[start .. start+period−1], then `x̄ = x · k + x̄ · (1 − k)`. */
export function smoothKernel(source: Float64Array, period: number, start: number, k: number): Float64Array {
  const out = notReady(source.length);
  const seedAt = start + period - 1;
  if (seedAt >= source.length) return out;
  let value = 0;
  for (let i = start; i <= seedAt; i++) value += source[i] as number;
  value /= period;
  out[seedAt] = value;
  for (let i = seedAt + 1; i < source.length; i++) {
    value = (source[i] as number) * k + value * (1 - k);
    out[i] = value;
  }
  return out;
}
