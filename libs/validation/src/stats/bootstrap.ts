import { cbrt, ceil, finite, floor, max, min } from './fast.js';
import type { Rng } from './random.js';

export interface Interval {
  readonly low: number;
  readonly high: number;
  readonly level: number;
}

/**
 * Block length for a moving-block bootstrap: at least the forward-return horizon (overlapping
 * h-candle returns are autocorrelated over h rows, so shorter blocks would understate the
 * variance) and at least n^(1/3), the usual rate for weakly dependent series.
 */
export function blockLength(n: number, horizon: number): number {
  return max(horizon, ceil(cbrt(n)));
}

/**
 * Percentile interval of a statistic over moving-block resamples of n rows, for statistics that
 * are functions of column sums (a correlation from five sums, a mean from two). Each column's
 * prefix sums give a block's sum in O(1), so a resample costs O(n / blockLength) rather than
 * O(n). Null when fewer than half the resamples give a finite value.
 */
export function blockBootstrapInterval(
  columns: readonly Float64Array[],
  options: {
    readonly horizon: number;
    readonly resamples: number;
    readonly level: number;
    readonly rng: Rng;
  },
  statistic: (totals: Float64Array) => number,
): Interval | null {
  const n = columns[0]?.length ?? 0;
  if (n === 0) return null;
  const prefixes = columns.map(prefixSums);
  const block = min(blockLength(n, options.horizon), n);
  // Whole blocks, then one cut short to make up exactly n rows.
  const whole = floor(n / block);
  const rest = n - whole * block;
  const starts = new Int32Array(whole);
  const totals = new Float64Array(columns.length);
  const values: number[] = [];
  const { rng } = options;
  const span = n - block + 1;
  for (let r = 0; r < options.resamples; r++) {
    for (let b = 0; b < whole; b++) starts[b] = floor(rng() * span);
    const restStart = floor(rng() * span);
    for (let c = 0; c < prefixes.length; c++) {
      const prefix = prefixes[c] as Float64Array;
      let total = 0;
      for (let b = 0; b < whole; b++) {
        const start = starts[b] as number;
        total += (prefix[start + block] as number) - (prefix[start] as number);
      }
      if (rest > 0) total += (prefix[restStart + rest] as number) - (prefix[restStart] as number);
      totals[c] = total;
    }
    const value = statistic(totals);
    if (finite(value)) values.push(value);
  }
  if (values.length < options.resamples / 2) return null;
  values.sort((a, b) => a - b);
  const tail = (1 - options.level) / 2;
  return { low: quantile(values, tail), high: quantile(values, 1 - tail), level: options.level };
}

function prefixSums(column: Float64Array): Float64Array {
  const prefix = new Float64Array(column.length + 1);
  for (let i = 0; i < column.length; i++) prefix[i + 1] = (prefix[i] ?? 0) + (column[i] ?? 0);
  return prefix;
}

/** Linear-interpolated quantile of sorted values. */
export function quantile(sorted: readonly number[], q: number): number {
  const position = q * (sorted.length - 1);
  const below = floor(position);
  const above = min(sorted.length - 1, below + 1);
  const low = sorted[below] ?? Number.NaN;
  return low + (position - below) * ((sorted[above] ?? low) - low);
}
