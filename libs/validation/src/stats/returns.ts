/** Throws unless `horizon` is a whole number of candles ≥ 1. */
export function checkHorizon(horizon: number): void {
  if (!Number.isInteger(horizon) || horizon < 1)
    throw new RangeError(`horizon must be a whole number ≥ 1, got ${horizon}`);
}

/** ln(close[t+h] / close[t]); NaN where t+h is past the end or either close is not > 0. */
export function forwardLogReturns(closes: ArrayLike<number>, horizon: number): Float64Array {
  checkHorizon(horizon);
  const out = new Float64Array(closes.length).fill(Number.NaN);
  for (let t = 0; t + horizon < closes.length; t++) {
    const now = closes[t] ?? Number.NaN;
    const later = closes[t + horizon] ?? Number.NaN;
    if (now > 0 && later > 0 && Number.isFinite(now) && Number.isFinite(later))
      out[t] = Math.log(later / now);
  }
  return out;
}

/** The pairs where both values are finite, in their original (time) order. */
export function finitePairs(
  x: ArrayLike<number>,
  y: ArrayLike<number>,
): { readonly x: Float64Array; readonly y: Float64Array } {
  if (x.length !== y.length) throw new RangeError(`series differ in length: ${x.length} and ${y.length}`);
  const keep: number[] = [];
  for (let i = 0; i < x.length; i++)
    if (Number.isFinite(x[i] ?? Number.NaN) && Number.isFinite(y[i] ?? Number.NaN)) keep.push(i);
  const xs = new Float64Array(keep.length);
  const ys = new Float64Array(keep.length);
  keep.forEach((i, k) => {
    xs[k] = x[i] ?? Number.NaN;
    ys[k] = y[i] ?? Number.NaN;
  });
  return { x: xs, y: ys };
}
