import { spearman } from './rank.js';

export interface CorrelationMatrix {
  readonly names: readonly string[];
  /** Spearman correlation of each pair over the rows where both are finite; null when undefined. */
  readonly matrix: readonly (readonly (number | null)[])[];
}

/** Rank correlations between every pair of series: which readings carry independent information. */
export function rankCorrelationMatrix(
  series: Readonly<Record<string, ArrayLike<number>>>,
): CorrelationMatrix {
  const names = Object.keys(series);
  const matrix = names.map(() => names.map((): number | null => null));
  names.forEach((a, i) => {
    for (let j = i; j < names.length; j++) {
      const value = spearman(series[a] ?? [], series[names[j] ?? ''] ?? []);
      const cell = Number.isFinite(value) ? value : null;
      const row = matrix[i];
      const column = matrix[j];
      if (row !== undefined) row[j] = cell;
      if (column !== undefined) column[i] = cell;
    }
  });
  return { names, matrix };
}
