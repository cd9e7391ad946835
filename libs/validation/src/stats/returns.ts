import { finite, log, NAN } from './fast.js';

/** Throws unless `horizon` is a whole number of candles ≥ 1. */
export function checkHorizon(horizon: number): void {
  if (!Number.isInteger(horizon) || horizon < 1)
    throw new RangeError(`horizon must be a whole number ≥ 1, got ${horizon}`);
}

/** ln(later / now); NaN unless both closes are finite and > 0. Every forward return goes through it. */
export function logReturn(now: number, later: number): number {
  return now > 0 && later > 0 && finite(now) && finite(later) ? log(later / now) : NAN;
}

/** ln(close[t+h] / close[t]); NaN where t+h is past the end or either close is not > 0. */
export function forwardLogReturns(closes: ArrayLike<number>, horizon: number): Float64Array {
  checkHorizon(horizon);
  const out = new Float64Array(closes.length).fill(NAN);
  for (let t = 0; t + horizon < closes.length; t++) {
    out[t] = logReturn(closes[t] ?? NAN, closes[t + horizon] ?? NAN);
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
  for (let i = 0; i < x.length; i++) if (finite(x[i] ?? NAN) && finite(y[i] ?? NAN)) keep.push(i);
  const xs = new Float64Array(keep.length);
  const ys = new Float64Array(keep.length);
  keep.forEach((i, k) => {
    xs[k] = x[i] ?? NAN;
    ys[k] = y[i] ?? NAN;
  });
  return { x: xs, y: ys };
}
