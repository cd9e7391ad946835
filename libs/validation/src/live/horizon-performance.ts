import { COMPONENT_NAMES, type ComponentName, type ValidationSample } from '@app/contracts';
import { calibrateProbability } from '../stats/calibration.js';
import { type IcEstimate, type IcOptions, informationCoefficient } from '../stats/ic.js';
import { labelReport, type LabelReport } from '../stats/labels.js';

export interface LiveStatsOptions {
  readonly horizon: number;
  readonly minIndependent: number;
  readonly resamples: number;
  /** Walk-forward folds of the probability map's out-of-sample Brier score. */
  readonly folds: number;
  /** Seed of every resampling (default 1), so an answer reproduces. */
  readonly seed?: number;
}

/** The model's labels beside the engine's, on the rows that have an opinion (so uplift is measured). */
export interface OpinionPerformance {
  /** Rows with an opinion's label and a forward return. */
  readonly n: number;
  readonly independent: number;
  readonly sufficient: boolean;
  /** The engine's labels on the same rows. */
  readonly engine: LabelReport | null;
  readonly llm: LabelReport | null;
  /** Null also when no opinion carried a blended label (llm.yaml blendWeight 0). */
  readonly blended: LabelReport | null;
}

/** How reliable the score → P(up) map is out of sample: its Brier score beside the base rate's. */
export interface ProbabilityReliability {
  readonly n: number;
  readonly brier: number;
  readonly brierBase: number;
  readonly skill: number;
}

export interface HorizonPerformance {
  readonly horizon: number;
  /** Samples with a score and a forward return, and how many of their returns do not overlap. */
  readonly n: number;
  readonly independent: number;
  /** independent ≥ minIndependent; when false every figure below is null. */
  readonly sufficient: boolean;
  readonly score: IcEstimate;
  readonly components: Readonly<Record<ComponentName, IcEstimate>> | null;
  readonly labels: LabelReport | null;
  readonly opinions: OpinionPerformance | null;
  readonly probability: ProbabilityReliability | null;
}

/**
 * Every statistic GET /v1/performance gives for one horizon, from a stream's samples (oldest
 * first) and their forward returns (`joinedForwardReturns`): the score's IC, each component's, the
 * engine's labels, the model's and the blended labels beside them, and the probability map's
 * out-of-sample Brier score. Below the sufficiency floor nothing is computed and every figure is null.
 */
export function horizonPerformance(
  samples: readonly ValidationSample[],
  forward: ArrayLike<number>,
  options: LiveStatsOptions,
): HorizonPerformance {
  const steps = horizonPerformanceSteps(samples, forward, options);
  for (;;) {
    const step = steps.next();
    if (step.done === true) return step.value;
  }
}

/**
 * `horizonPerformance` one statistic at a time: the generator pauses after each bootstrap, so a
 * caller serving requests can let other work run between them (each is O(resamples × n), tens to
 * hundreds of milliseconds over a week of 1m samples).
 */
export function* horizonPerformanceSteps(
  samples: readonly ValidationSample[],
  forward: ArrayLike<number>,
  options: LiveStatsOptions,
): Generator<void, HorizonPerformance> {
  const ic = {
    horizon: options.horizon,
    resamples: options.resamples,
    minIndependent: options.minIndependent,
    seed: options.seed ?? 1,
  };
  const scores = samples.map((sample) => sample.score);
  const score = informationCoefficient(scores, forward, ic);
  const { n, independent, sufficient } = score;
  const none = { horizon: options.horizon, n, independent, sufficient, score };
  if (!sufficient) return { ...none, components: null, labels: null, opinions: null, probability: null };
  yield;
  const components: Partial<Record<ComponentName, IcEstimate>> = {};
  for (const name of COMPONENT_NAMES) {
    components[name] = informationCoefficient(
      samples.map((sample) => sample.components[name] ?? Number.NaN),
      forward,
      ic,
    );
    yield;
  }
  const labels = labelReport(
    samples.map((sample) => sample.label),
    forward,
    ic,
  );
  yield;
  const opinions = yield* opinionPerformance(samples, forward, ic);
  const calibration = calibrateProbability(scores, forward, { ...ic, folds: options.folds });
  return {
    ...none,
    components: components as Record<ComponentName, IcEstimate>,
    labels,
    opinions,
    probability: calibration.outOfSample,
  };
}

function* opinionPerformance(
  samples: readonly ValidationSample[],
  forward: ArrayLike<number>,
  ic: IcOptions & { readonly minIndependent: number },
): Generator<void, OpinionPerformance> {
  let n = 0;
  samples.forEach((sample, i) => {
    if (sample.llm !== undefined && Number.isFinite(forward[i] ?? Number.NaN)) n++;
  });
  const independent = Math.floor(n / ic.horizon);
  const sufficient = independent >= ic.minIndependent;
  if (!sufficient) return { n, independent, sufficient, engine: null, llm: null, blended: null };
  const labelsOf = (pick: (sample: ValidationSample) => string | undefined): (string | null)[] =>
    samples.map((sample) => (sample.llm === undefined ? null : (pick(sample) ?? null)));
  const hasBlended = samples.some((sample) => sample.llm?.blended !== undefined);
  const engine = labelReport(
    labelsOf((sample) => sample.label),
    forward,
    ic,
  );
  yield;
  const llm = labelReport(
    labelsOf((sample) => sample.llm?.label),
    forward,
    ic,
  );
  yield;
  const blended = hasBlended
    ? labelReport(
        labelsOf((sample) => sample.llm?.blended),
        forward,
        ic,
      )
    : null;
  return { n, independent, sufficient, engine, llm, blended };
}
