import { type IcOptions, resolveOptions } from './ic.js';
import { finitePairs } from './returns.js';
import { walkForwardSplits } from './walk-forward.js';

export interface ProbabilityKnot {
  /** Lowest score of the pooled block this probability holds from. */
  readonly score: number;
  readonly probability: number;
  /** Rows pooled into the block. */
  readonly n: number;
}

/** A monotone (non-decreasing) map from score to the empirical probability of an up move. */
export interface ProbabilityMap {
  readonly knots: readonly ProbabilityKnot[];
  /** The probability of the block the score falls in (the first block's below it). */
  predict(score: number): number;
}

/**
 * Isotonic regression by pool-adjacent-violators: rows sorted by score (equal scores pooled
 * first, so ties always share a probability), adjacent blocks merged while a later one is lower.
 * `ups`: 1 for an up move, 0 otherwise; rows with a non-finite score or outcome are skipped.
 */
export function fitIsotonic(scores: ArrayLike<number>, ups: ArrayLike<number>): ProbabilityMap {
  const pairs = finitePairs(scores, ups);
  const order = Array.from(pairs.x.keys()).sort((a, b) => (pairs.x[a] ?? 0) - (pairs.x[b] ?? 0));
  // `high`: the block's highest score, so a tie still joins a block that was pooled downwards.
  const blocks: { score: number; high: number; sum: number; n: number }[] = [];
  for (const i of order) {
    const score = pairs.x[i] ?? 0;
    const up = pairs.y[i] ?? 0;
    const last = blocks.at(-1);
    if (last?.high === score) {
      last.sum += up;
      last.n++;
    } else blocks.push({ score, high: score, sum: up, n: 1 });
    // Merge backwards while the monotone order is violated.
    while (blocks.length > 1) {
      const top = blocks.at(-1);
      const below = blocks.at(-2);
      if (top === undefined || below === undefined || below.sum / below.n <= top.sum / top.n) break;
      below.sum += top.sum;
      below.n += top.n;
      below.high = top.high;
      blocks.pop();
    }
  }
  const knots = blocks.map((b) => ({ score: b.score, probability: b.sum / b.n, n: b.n }));
  return { knots, predict: (score) => predictFrom(knots, score) };
}

function predictFrom(knots: readonly ProbabilityKnot[], score: number): number {
  let low = 0;
  let high = knots.length - 1;
  if (high < 0) return Number.NaN;
  while (low < high) {
    const mid = Math.ceil((low + high) / 2);
    if ((knots[mid]?.score ?? Infinity) <= score) low = mid;
    else high = mid - 1;
  }
  return knots[low]?.probability ?? Number.NaN;
}

/** Mean squared difference between forecast probabilities and 0/1 outcomes (finite pairs only). */
export function brierScore(probabilities: ArrayLike<number>, outcomes: ArrayLike<number>): number {
  const pairs = finitePairs(probabilities, outcomes);
  if (pairs.x.length === 0) return Number.NaN;
  let sum = 0;
  for (let i = 0; i < pairs.x.length; i++) sum += ((pairs.x[i] ?? 0) - (pairs.y[i] ?? 0)) ** 2;
  return sum / pairs.x.length;
}

export interface CalibrationReport {
  /** Fitted on every usable row: what is shown with new results. */
  readonly map: ProbabilityMap;
  readonly n: number;
  readonly independent: number;
  readonly sufficient: boolean;
  /**
   * Walk-forward: each fold's map fitted on its training rows only, scored on the next window;
   * `brierBase` forecasts the training rows' up rate instead, so skill > 0 means the score adds
   * something to knowing how often the market rises. Null when not sufficient or no fold fits.
   */
  readonly outOfSample: {
    readonly n: number;
    readonly brier: number;
    readonly brierBase: number;
    readonly skill: number;
  } | null;
}

/** The score → P(forward return > 0) map and its out-of-sample reliability. */
export function calibrateProbability(
  scores: ArrayLike<number>,
  forward: ArrayLike<number>,
  options: IcOptions & { readonly folds?: number },
): CalibrationReport {
  const o = resolveOptions(options);
  const pairs = finitePairs(scores, forward);
  const n = pairs.x.length;
  const ups = pairs.y.map((r) => (r > 0 ? 1 : 0));
  const independent = Math.floor(n / o.horizon);
  const sufficient = independent >= o.minIndependent;
  const map = fitIsotonic(pairs.x, ups);
  if (!sufficient) return { map, n, independent, sufficient, outOfSample: null };
  const folds = options.folds ?? 5;
  const splits = walkForwardSplits(n, { folds, minTrain: Math.ceil(n / (folds + 1)), gap: o.horizon });
  let squared = 0;
  let squaredBase = 0;
  let tested = 0;
  for (const { train, test } of splits) {
    const fold = fitIsotonic(pairs.x.subarray(train.start, train.end), ups.subarray(train.start, train.end));
    let upCount = 0;
    for (let i = train.start; i < train.end; i++) upCount += ups[i] ?? 0;
    const base = upCount / (train.end - train.start);
    for (let i = test.start; i < test.end; i++) {
      const outcome = ups[i] ?? 0;
      squared += (fold.predict(pairs.x[i] ?? 0) - outcome) ** 2;
      squaredBase += (base - outcome) ** 2;
      tested++;
    }
  }
  if (tested === 0) return { map, n, independent, sufficient, outOfSample: null };
  const brier = squared / tested;
  const brierBase = squaredBase / tested;
  return {
    map,
    n,
    independent,
    sufficient,
    outOfSample: { n: tested, brier, brierBase, skill: brierBase > 0 ? 1 - brier / brierBase : 0 },
  };
}
