export interface RowRange {
  readonly start: number;
  /** Exclusive. */
  readonly end: number;
}

export interface WalkForwardSplit {
  readonly train: RowRange;
  readonly test: RowRange;
}

/**
 * Expanding-window splits over n time-ordered rows: fold k trains on [0, s_k − gap) and tests on
 * [s_k, s_{k+1}); test windows tile [minTrain + gap, n). With gap ≥ the horizon, no training
 * row's forward return reaches into its test window, so nothing is fitted on what it is judged by.
 */
export function walkForwardSplits(
  n: number,
  options: { readonly folds: number; readonly minTrain: number; readonly gap: number },
): WalkForwardSplit[] {
  const { folds, minTrain, gap } = options;
  if (!Number.isInteger(folds) || folds < 1)
    throw new RangeError(`folds must be a whole number ≥ 1, got ${folds}`);
  if (!Number.isInteger(minTrain) || minTrain < 1)
    throw new RangeError(`minTrain must be a whole number ≥ 1, got ${minTrain}`);
  if (!Number.isInteger(gap) || gap < 0) throw new RangeError(`gap must be a whole number ≥ 0, got ${gap}`);
  const first = minTrain + gap;
  const size = Math.floor((n - first) / folds);
  if (size < 1) return [];
  return Array.from({ length: folds }, (_, k) => {
    const start = first + k * size;
    return {
      train: { start: 0, end: start - gap },
      test: { start, end: k === folds - 1 ? n : start + size },
    };
  });
}
