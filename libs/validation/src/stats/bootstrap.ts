import { randomInt, type Rng } from './random.js';

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
  return Math.max(horizon, Math.ceil(Math.cbrt(n)));
}

/** Fills `into` with one moving-block resample of row indices 0..n−1 (blocks of `length`). */
export function blockResample(into: Int32Array, n: number, length: number, rng: Rng): void {
  const block = Math.min(length, n);
  for (let filled = 0; filled < n;) {
    const start = randomInt(rng, 0, n - block);
    for (let k = 0; k < block && filled < n; k++) into[filled++] = start + k;
  }
}

/**
 * Percentile interval of `statistic` over `resamples` moving-block resamples; null when fewer
 * than half the resamples give a finite value (e.g. a label absent from most of them).
 */
export function blockBootstrapInterval(
  n: number,
  options: {
    readonly horizon: number;
    readonly resamples: number;
    readonly level: number;
    readonly rng: Rng;
  },
  statistic: (indices: Int32Array) => number,
): Interval | null {
  const indices = new Int32Array(n);
  const length = blockLength(n, options.horizon);
  const values: number[] = [];
  for (let r = 0; r < options.resamples; r++) {
    blockResample(indices, n, length, options.rng);
    const value = statistic(indices);
    if (Number.isFinite(value)) values.push(value);
  }
  if (values.length < options.resamples / 2) return null;
  values.sort((a, b) => a - b);
  const tail = (1 - options.level) / 2;
  return { low: quantile(values, tail), high: quantile(values, 1 - tail), level: options.level };
}

/** Linear-interpolated quantile of sorted values. */
export function quantile(sorted: readonly number[], q: number): number {
  const position = q * (sorted.length - 1);
  const below = Math.floor(position);
  const above = Math.min(sorted.length - 1, below + 1);
  const low = sorted[below] ?? Number.NaN;
  return low + (position - below) * ((sorted[above] ?? low) - low);
}
