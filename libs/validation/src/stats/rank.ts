import { finitePairs } from './returns.js';

/** 1-based ranks; tied values share the average of the ranks they span. */
export function averageRanks(values: ArrayLike<number>): Float64Array {
  const n = values.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => (values[a] ?? 0) - (values[b] ?? 0));
  const ranks = new Float64Array(n);
  for (let start = 0; start < n;) {
    let end = start + 1;
    while (end < n && values[order[end] ?? 0] === values[order[start] ?? 0]) end++;
    const rank = (start + 1 + end) / 2;
    for (let k = start; k < end; k++) ranks[order[k] ?? 0] = rank;
    start = end;
  }
  return ranks;
}

/**
 * Pearson correlation of x and y over rows `indices` (all rows when omitted); NaN when a side is
 * constant. Sums in one pass, so a bootstrap resample costs O(n) and no allocation.
 */
export function pearson(x: ArrayLike<number>, y: ArrayLike<number>, indices?: ArrayLike<number>): number {
  const n = indices === undefined ? x.length : indices.length;
  let sx = 0;
  let sy = 0;
  let sxx = 0;
  let syy = 0;
  let sxy = 0;
  for (let k = 0; k < n; k++) {
    const i = indices === undefined ? k : (indices[k] ?? 0);
    const a = x[i] ?? 0;
    const b = y[i] ?? 0;
    sx += a;
    sy += b;
    sxx += a * a;
    syy += b * b;
    sxy += a * b;
  }
  const vx = sxx - (sx * sx) / n;
  const vy = syy - (sy * sy) / n;
  // Relative tolerance: sums of squares of identical ranks cancel to rounding noise, not to 0.
  if (n < 3 || vx <= 1e-12 * sxx || vy <= 1e-12 * syy) return Number.NaN;
  return Math.max(-1, Math.min(1, (sxy - (sx * sy) / n) / Math.sqrt(vx * vy)));
}

/**
 * Spearman rank correlation with ties (Pearson correlation of average ranks) over the pairs where
 * both values are finite; NaN with fewer than 3 pairs or when a side is constant.
 */
export function spearman(x: ArrayLike<number>, y: ArrayLike<number>): number {
  const pairs = finitePairs(x, y);
  if (pairs.x.length < 3) return Number.NaN;
  return pearson(averageRanks(pairs.x), averageRanks(pairs.y));
}
