import { finite, NAN, sqrt, max, min } from './fast.js';
import { finitePairs } from './returns.js';

/**
 * 1-based ranks; tied values share the average of the ranks they span. Sorts a typed copy
 * natively (no comparator callbacks), then gives each run of equal values its average rank.
 */
export function averageRanks(values: ArrayLike<number>): Float64Array {
  const n = values.length;
  const sorted = Float64Array.from(values).sort();
  const rankOf = new Map<number, number>();
  for (let start = 0; start < n;) {
    const value = sorted[start] ?? NAN;
    let end = start + 1;
    while (end < n && sorted[end] === value) end++;
    rankOf.set(value, (start + 1 + end) / 2);
    start = end;
  }
  const ranks = new Float64Array(n);
  for (let i = 0; i < n; i++) ranks[i] = rankOf.get(values[i] ?? NAN) ?? NAN;
  return ranks;
}

/** Correlation from the five running sums of n pairs; NaN when a side is constant or n < 3. */
export function pearsonFromSums(
  n: number,
  sx: number,
  sy: number,
  sxx: number,
  syy: number,
  sxy: number,
): number {
  const vx = sxx - (sx * sx) / n;
  const vy = syy - (sy * sy) / n;
  // Relative tolerance: sums of squares of identical ranks cancel to rounding noise, not to 0.
  if (n < 3 || vx <= 1e-12 * sxx || vy <= 1e-12 * syy) return NAN;
  return max(-1, min(1, (sxy - (sx * sy) / n) / sqrt(vx * vy)));
}

/** Pearson correlation of x and y; NaN when a side is constant or n < 3. */
export function pearson(x: ArrayLike<number>, y: ArrayLike<number>): number {
  const n = x.length;
  let sx = 0;
  let sy = 0;
  let sxx = 0;
  let syy = 0;
  let sxy = 0;
  for (let i = 0; i < n; i++) {
    const a = x[i] ?? 0;
    const b = y[i] ?? 0;
    sx += a;
    sy += b;
    sxx += a * a;
    syy += b * b;
    sxy += a * b;
  }
  return pearsonFromSums(n, sx, sy, sxx, syy, sxy);
}

/**
 * Spearman rank correlation with ties (Pearson correlation of average ranks) over the pairs where
 * both values are finite; NaN with fewer than 3 pairs or when a side is constant.
 */
export function spearman(x: ArrayLike<number>, y: ArrayLike<number>): number {
  const pairs = finitePairs(x, y);
  if (pairs.x.length < 3) return NAN;
  return pearson(averageRanks(pairs.x), averageRanks(pairs.y));
}

/** True when every value is finite (no pair filtering needed). */
export function allFinite(values: ArrayLike<number>): boolean {
  for (let i = 0; i < values.length; i++) if (!finite(values[i] ?? NAN)) return false; // eslint-disable-line @typescript-eslint/prefer-for-of -- ArrayLike has no iterator
  return true;
}
