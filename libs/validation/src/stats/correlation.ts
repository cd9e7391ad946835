import { allFinite, averageRanks, pearson, spearman } from './rank.js';

export interface CorrelationMatrix {
  readonly names: readonly string[];
  /** Spearman correlation of each pair over the rows where both are finite; null when undefined. */
  readonly matrix: readonly (readonly (number | null)[])[];
}

/**
 * Rank correlations between every pair of series: which readings carry independent information.
 * A series with no gaps is ranked once for all its pairs; a pair with a gap on either side is
 * ranked over its own common rows.
 */
export function rankCorrelationMatrix(
  series: Readonly<Record<string, ArrayLike<number>>>,
): CorrelationMatrix {
  const names = Object.keys(series);
  const values = names.map((name) => series[name] ?? []);
  const ranked = values.map((v) => (allFinite(v) ? averageRanks(v) : null));
  const matrix = names.map(() => names.map((): number | null => null));
  for (let i = 0; i < names.length; i++) {
    for (let j = i; j < names.length; j++) {
      const a = ranked[i] ?? null;
      const b = ranked[j] ?? null;
      const value =
        a !== null && b !== null && a.length === b.length && a.length >= 3
          ? pearson(a, b)
          : spearman(values[i] ?? [], values[j] ?? []);
      const cell = Number.isFinite(value) ? value : null;
      (matrix[i] as (number | null)[])[j] = cell;
      (matrix[j] as (number | null)[])[i] = cell;
    }
  }
  return { names, matrix };
}
