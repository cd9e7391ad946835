import { COMPONENT_NAMES, COMPONENT_SUBSCORES, type ComponentName } from '@app/contracts';
import { type IcEstimate, informationCoefficient } from '../stats/ic.js';
import { averageRanks, pearson, spearman } from '../stats/rank.js';
import { type WalkForwardSplit, walkForwardSplits } from '../stats/walk-forward.js';
import { concatTables, type ScoringWeights, type SubScoreTable, weightedScores } from './weighted-score.js';

/** One market's rows to calibrate on: its sub-scores and forward returns at the horizon. */
export interface CalibrationMarket {
  readonly table: SubScoreTable;
  readonly forward: Float64Array;
}

export interface CalibrationOptions {
  readonly horizon: number;
  readonly folds: number;
  readonly resamples?: number;
  readonly seed?: number;
}

export interface FoldResult {
  /** The fold's split of each market's rows (half-open ranges; test starts ≥ train end + gap). */
  readonly splits: readonly WalkForwardSplit[];
  readonly weights: ScoringWeights;
  /** IC of the score on the training rows: fitted weights, then the current ones. */
  readonly inSample: { readonly fitted: number | null; readonly current: number | null };
  /** IC on the test rows, which the fit never saw. */
  readonly outOfSample: { readonly fitted: number | null; readonly current: number | null };
}

export interface CalibrationResult {
  readonly folds: readonly FoldResult[];
  /** Every fold's test rows together, each scored with the weights fitted before it. */
  readonly outOfSample: { readonly fitted: IcEstimate; readonly current: IcEstimate };
  /** True when the fitted weights' pooled out-of-sample IC beats the current weights'. */
  readonly better: boolean;
  /** Fitted on every row: the candidate. */
  readonly candidate: ScoringWeights;
  readonly inSample: { readonly fitted: number | null; readonly current: number | null };
  /** Components and sub-scores with data in the input: the only weights the fit may move. */
  readonly fitted: { readonly components: readonly ComponentName[]; readonly subScores: readonly string[] };
}

/** Step sizes of the search, coarse to fine: weight moved onto (or off) one coordinate at a time. */
const STEPS = [0.2, 0.1, 0.05, 0.02, 0.01] as const;
const MAX_ROUNDS = 6;
/** An improvement smaller than this is rounding, not a better fit. */
const MIN_GAIN = 1e-9;

/**
 * Proposes component and sub-score weights maximising the score's rank IC, judged walk-forward:
 * each market's rows are split into expanding-window folds (walkForwardSplits, gap = horizon),
 * weights are fitted on fold k's training rows of every market and evaluated on its test rows.
 * Only weights of what has data in the input move; the others keep their current value, and the
 * fitted ones share what is left, so each set still sums to 1.
 */
export function calibrateWeights(
  markets: readonly CalibrationMarket[],
  current: ScoringWeights,
  options: CalibrationOptions,
): CalibrationResult {
  const fitted = fittedSet(markets.map((m) => m.table));
  const splits = markets.map((m) =>
    walkForwardSplits(m.table.length, {
      folds: options.folds,
      minTrain: Math.floor(m.table.length / (options.folds + 1)),
      gap: options.horizon,
    }),
  );
  const rowsOf = (pick: (split: WalkForwardSplit) => { start: number; end: number }, k: number) =>
    markets.map((m, i) => {
      const split = splits[i]?.[k];
      const range = split === undefined ? { start: 0, end: 0 } : pick(split);
      return { table: m.table, forward: m.forward, rows: rangeOf(range.start, range.end) };
    });
  const folds: FoldResult[] = [];
  const testScores: number[] = [];
  const testCurrent: number[] = [];
  const testForward: number[] = [];
  for (let k = 0; k < options.folds; k++) {
    const train = sample(rowsOf((s) => s.train, k));
    const test = sample(rowsOf((s) => s.test, k));
    if (train.table.length === 0 || test.table.length === 0) continue;
    const weights = fit(train, current, fitted);
    const fittedTest = weightedScores(test.table, weights);
    const currentTest = weightedScores(test.table, current);
    folds.push({
      splits: splits.map((s) => s[k]).filter((s): s is WalkForwardSplit => s !== undefined),
      weights,
      inSample: {
        fitted: ic(weightedScores(train.table, weights), train.forward),
        current: ic(weightedScores(train.table, current), train.forward),
      },
      outOfSample: { fitted: ic(fittedTest, test.forward), current: ic(currentTest, test.forward) },
    });
    // One at a time: spreading a long fold into push() would overflow the call stack.
    fittedTest.forEach((v, i) => {
      testScores.push(v);
      testCurrent.push(currentTest[i] as number);
      testForward.push(test.forward[i] as number);
    });
  }
  const icOptions = {
    horizon: options.horizon,
    resamples: options.resamples ?? 1000,
    seed: options.seed ?? 1,
  };
  const outOfSample = {
    fitted: informationCoefficient(testScores, testForward, icOptions),
    current: informationCoefficient(testCurrent, testForward, icOptions),
  };
  const all = sample(markets.map((m) => ({ ...m, rows: rangeOf(0, m.table.length) })));
  const candidate = fit(all, current, fitted);
  return {
    folds,
    outOfSample,
    better:
      outOfSample.fitted.ic !== null &&
      (outOfSample.current.ic === null || outOfSample.fitted.ic > outOfSample.current.ic),
    candidate,
    inSample: {
      fitted: ic(weightedScores(all.table, candidate), all.forward),
      current: ic(weightedScores(all.table, current), all.forward),
    },
    fitted: {
      components: fitted.components,
      subScores: fitted.components.flatMap((c) => (fitted.subScores[c] ?? []).map((s) => `${c}.${s}`)),
    },
  };
}

interface Sample {
  readonly table: SubScoreTable;
  readonly forward: Float64Array;
}

interface FittedSet {
  readonly components: readonly ComponentName[];
  readonly subScores: Readonly<Partial<Record<ComponentName, readonly string[]>>>;
}

const rangeOf = (start: number, end: number): Int32Array =>
  Int32Array.from({ length: Math.max(0, end - start) }, (_, k) => start + k);

function sample(parts: readonly { table: SubScoreTable; forward: Float64Array; rows: Int32Array }[]): Sample {
  const forward = new Float64Array(parts.reduce((sum, p) => sum + p.rows.length, 0));
  let at = 0;
  for (const { forward: f, rows } of parts) for (const i of rows) forward[at++] = f[i] as number;
  return { table: concatTables(parts), forward };
}

const ic = (scores: ArrayLike<number>, forward: ArrayLike<number>): number | null => {
  const value = spearman(scores, forward);
  return Number.isFinite(value) ? value : null;
};

/** What has data somewhere in the input. */
function fittedSet(tables: readonly SubScoreTable[]): FittedSet {
  const subScores: Partial<Record<ComponentName, string[]>> = {};
  for (const component of COMPONENT_NAMES) {
    const present = COMPONENT_SUBSCORES[component].filter((name) =>
      tables.some((t) => (t.values[component][name] as Float64Array).some((v) => !Number.isNaN(v))),
    );
    if (present.length > 0) subScores[component] = present;
  }
  return { components: COMPONENT_NAMES.filter((c) => subScores[c] !== undefined), subScores };
}

/** A weight set being searched: one simplex per group, the rest of each set held at its current value. */
interface Group {
  readonly keys: readonly string[];
  /** The share of the set the group's weights sum to (1 minus the held weights). */
  readonly mass: number;
  values: number[];
}

/**
 * Coordinate ascent on the simplex: for each step size, coarse to fine, move `step` of weight onto
 * (then off) each coordinate in turn — the group's other weights scaled to keep the sum — and keep
 * a move when it raises the training IC; repeat until a round changes nothing. Deterministic.
 */
function fit(train: Sample, current: ScoringWeights, fitted: FittedSet): ScoringWeights {
  const rows = usableRows(train.forward);
  const forwardRanks = averageRanks(pick(train.forward, rows));
  const groups: { target: 'components' | ComponentName; group: Group }[] = [
    { target: 'components', group: groupOf(current.components, fitted.components) },
    ...fitted.components.map((c) => ({
      target: c,
      group: groupOf(current.subscores[c], fitted.subScores[c] ?? []),
    })),
  ];
  const build = (): ScoringWeights => assemble(current, groups);
  const objective = (): number => {
    const scores = pick(weightedScores(train.table, build()), rows);
    // The forward ranks are computed once; a row without a score (rare) needs the full Spearman.
    const value = scores.some(Number.isNaN)
      ? spearman(scores, pick(train.forward, rows))
      : pearson(averageRanks(scores), forwardRanks);
    return Number.isFinite(value) ? value : -Infinity;
  };
  let best = objective();
  for (const step of STEPS) {
    for (let round = 0; round < MAX_ROUNDS; round++) {
      let moved = false;
      for (const { group } of groups) {
        if (group.keys.length < 2) continue;
        for (let i = 0; i < group.keys.length; i++) {
          for (const direction of [1, -1]) {
            const before = group.values;
            const next = shifted(before, i, direction * step);
            if (next === null) continue;
            group.values = next;
            const value = objective();
            if (value > best + MIN_GAIN) {
              best = value;
              moved = true;
            } else group.values = before;
          }
        }
      }
      if (!moved) break;
    }
  }
  return build();
}

/** Rows with a forward return. */
function usableRows(forward: Float64Array): Int32Array {
  const keep: number[] = [];
  forward.forEach((r, i) => {
    if (Number.isFinite(r)) keep.push(i);
  });
  return Int32Array.from(keep);
}

function pick(values: Float64Array, rows: Int32Array): Float64Array {
  const out = new Float64Array(rows.length);
  for (let k = 0; k < rows.length; k++) out[k] = values[rows[k] as number] as number;
  return out;
}

/** The group's weights as shares of 1 (renormalised current values; equal if they sum to 0). */
function groupOf(weights: Readonly<Record<string, number>>, keys: readonly string[]): Group {
  const total = Object.values(weights).reduce((sum, w) => sum + w, 0);
  const held = Object.entries(weights)
    .filter(([key]) => !keys.includes(key))
    .reduce((sum, [, w]) => sum + w, 0);
  const mass = total > 0 ? 1 - held / total : 1;
  const own = keys.map((key) => weights[key] ?? 0);
  const ownTotal = own.reduce((sum, w) => sum + w, 0);
  return {
    keys,
    mass,
    values: ownTotal > 0 ? own.map((w) => w / ownTotal) : keys.map(() => 1 / keys.length),
  };
}

/** `values` with `delta` added at `i` (clamped to 0–1) and the others scaled to keep the sum 1; null if nothing moves. */
function shifted(values: readonly number[], i: number, delta: number): number[] | null {
  const old = values[i] as number;
  const next = Math.min(1, Math.max(0, old + delta));
  if (next === old) return null;
  const rest = 1 - old;
  return values.map((v, j) => {
    if (j === i) return next;
    // All weight was on i: spread what it gives up equally.
    return rest > 0 ? (v * (1 - next)) / rest : (1 - next) / (values.length - 1);
  });
}

function assemble(
  current: ScoringWeights,
  groups: readonly { target: 'components' | ComponentName; group: Group }[],
): ScoringWeights {
  const apply = (
    base: Readonly<Record<string, number>>,
    group: Group | undefined,
  ): Record<string, number> => {
    const total = Object.values(base).reduce((sum, w) => sum + w, 0);
    const out: Record<string, number> = {};
    for (const [key, w] of Object.entries(base)) out[key] = total > 0 ? w / total : 0;
    group?.keys.forEach((key, i) => (out[key] = (group.values[i] as number) * group.mass));
    return out;
  };
  const find = (target: 'components' | ComponentName) => groups.find((g) => g.target === target)?.group;
  const subscores = {} as Record<ComponentName, Record<string, number>>;
  for (const c of COMPONENT_NAMES) subscores[c] = apply(current.subscores[c], find(c));
  return {
    components: apply(current.components, find('components')) as Record<ComponentName, number>,
    subscores,
  };
}
