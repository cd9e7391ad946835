import { COMPONENT_NAMES, COMPONENT_SUBSCORES, type ComponentName } from '@app/contracts';
import { type CorrelationMatrix, rankCorrelationMatrix } from '../stats/correlation.js';
import { type IcEstimate, type IcOptions, informationCoefficient } from '../stats/ic.js';
import { type LabelReport, labelReport } from '../stats/labels.js';
import { forwardLogReturns } from '../stats/returns.js';
import type { MarketRows } from './backtest.types.js';
import { subScoreKey } from './backtest.types.js';
import { type BaselineOptions, computeBaselines } from './baselines.js';

export interface BacktestOptions extends BaselineOptions {
  readonly horizons: readonly number[];
  readonly resamples: number;
}

/** The series every statistic is computed on: one value per row, NaN where there is none. */
export interface SignalSeries {
  readonly length: number;
  readonly close: Float64Array;
  /** Forward log return per horizon, within the row's own file. */
  readonly forward: ReadonlyMap<number, Float64Array>;
  readonly score: Float64Array;
  readonly labels: readonly (string | null)[];
  readonly components: Readonly<Record<string, Float64Array>>;
  readonly subScores: Readonly<Record<string, Float64Array>>;
  readonly leaveOneOut: Readonly<Record<string, Float64Array>>;
  readonly baselines: Readonly<Record<'technicalRating' | 'momentum' | 'random', Float64Array>>;
  readonly technicalRatingLabels: readonly (string | null)[];
}

export interface HorizonReport {
  readonly horizon: number;
  readonly ic: {
    readonly score: IcEstimate;
    readonly components: Readonly<Record<string, IcEstimate>>;
    readonly subScores: Readonly<Record<string, IcEstimate>>;
    readonly leaveOneOut: Readonly<Record<string, IcEstimate>>;
    readonly baselines: Readonly<Record<string, IcEstimate>>;
  };
  readonly labels: { readonly engine: LabelReport; readonly technicalRating: LabelReport };
}

export interface SeriesReport {
  readonly rows: number;
  readonly horizons: readonly HorizonReport[];
  /** Spearman correlations of the score, components, sub-scores and baselines that have values. */
  readonly redundancy: CorrelationMatrix;
}

export interface MarketReport extends SeriesReport {
  readonly name: string;
  readonly exchange: string;
  readonly symbol: string;
  readonly timeframe: string;
  readonly candles: number;
  /** Open times of the first and last rows (ISO 8601). */
  readonly from: string | null;
  readonly to: string | null;
}

export interface BacktestReport {
  readonly options: BacktestOptions;
  readonly markets: readonly MarketReport[];
  /** All files' rows together (see POOLING); null with a single file. */
  readonly pooled: SeriesReport | null;
  readonly pooling: string;
}

export const POOLING =
  "rows of every file concatenated in file order; forward returns are computed within each file (a file's last h rows have none), " +
  'then the same statistics over the concatenation (bootstrap blocks and circular shifts may span a file boundary)';

const col = (values: readonly (number | null)[]): Float64Array =>
  Float64Array.from(values, (v) => v ?? Number.NaN);

/** One market's rows as series, with its baselines (the random one seeded with `seed + fileIndex`). */
export function marketSeries(market: MarketRows, options: BacktestOptions, fileIndex: number): SignalSeries {
  const { rows, candles } = market;
  const baselines = computeBaselines(candles, rows, { ...options, seed: options.seed + fileIndex });
  const closes = Float64Array.from(candles, (c) => c.close);
  const forward = new Map<number, Float64Array>();
  for (const horizon of options.horizons) {
    const all = forwardLogReturns(closes, horizon);
    forward.set(
      horizon,
      Float64Array.from(rows, (row) => all[row.candleIndex] as number),
    );
  }
  const byComponent = (pick: (component: ComponentName) => (row: (typeof rows)[number]) => number | null) =>
    Object.fromEntries(COMPONENT_NAMES.map((c) => [c, col(rows.map(pick(c)))]));
  const subScores: Record<string, Float64Array> = {};
  for (const component of COMPONENT_NAMES)
    for (const name of COMPONENT_SUBSCORES[component]) {
      const key = subScoreKey(component, name);
      subScores[key] = col(rows.map((row) => row.subScores[key] ?? null));
    }
  return {
    length: rows.length,
    close: Float64Array.from(rows, (row) => row.close),
    forward,
    score: Float64Array.from(rows, (row) => row.score),
    labels: rows.map((row) => row.label),
    components: byComponent((c) => (row) => row.components[c]),
    subScores,
    leaveOneOut: byComponent((c) => (row) => row.leaveOneOut[c]),
    baselines: {
      technicalRating: baselines.technicalRating,
      momentum: baselines.momentum,
      random: baselines.random,
    },
    technicalRatingLabels: baselines.technicalRatingLabels,
  };
}

/** Concatenates the series of several files (see POOLING). */
export function poolSeries(parts: readonly SignalSeries[]): SignalSeries {
  const cat = (pick: (s: SignalSeries) => Float64Array): Float64Array => {
    const out = new Float64Array(parts.reduce((sum, s) => sum + s.length, 0));
    let at = 0;
    for (const part of parts) {
      out.set(pick(part), at);
      at += part.length;
    }
    return out;
  };
  const catRecord = (pick: (s: SignalSeries) => Readonly<Record<string, Float64Array>>) =>
    Object.fromEntries(
      Object.keys(pick(parts[0] as SignalSeries)).map((key) => [
        key,
        cat((s) => pick(s)[key] as Float64Array),
      ]),
    );
  const first = parts[0] as SignalSeries;
  return {
    length: parts.reduce((sum, s) => sum + s.length, 0),
    close: cat((s) => s.close),
    forward: new Map([...first.forward.keys()].map((h) => [h, cat((s) => s.forward.get(h) as Float64Array)])),
    score: cat((s) => s.score),
    labels: parts.flatMap((s) => s.labels),
    components: catRecord((s) => s.components),
    subScores: catRecord((s) => s.subScores),
    leaveOneOut: catRecord((s) => s.leaveOneOut),
    baselines: {
      technicalRating: cat((s) => s.baselines.technicalRating),
      momentum: cat((s) => s.baselines.momentum),
      random: cat((s) => s.baselines.random),
    },
    technicalRatingLabels: parts.flatMap((s) => s.technicalRatingLabels),
  };
}

/** Every statistic of one set of series. */
export function reportSeries(series: SignalSeries, options: BacktestOptions): SeriesReport {
  const horizons = options.horizons.map((horizon): HorizonReport => {
    const forward = series.forward.get(horizon) as Float64Array;
    const ic: IcOptions = { horizon, resamples: options.resamples, seed: options.seed };
    const estimate = memoised((s) => informationCoefficient(s, forward, ic));
    const each = (record: Readonly<Record<string, Float64Array>>) =>
      Object.fromEntries(Object.entries(record).map(([name, s]) => [name, estimate(s)]));
    return {
      horizon,
      ic: {
        score: estimate(series.score),
        components: each(series.components),
        subScores: each(series.subScores),
        leaveOneOut: each(series.leaveOneOut),
        baselines: each(series.baselines),
      },
      labels: {
        engine: labelReport(series.labels, forward, ic),
        technicalRating: labelReport(series.technicalRatingLabels, forward, ic),
      },
    };
  });
  return { rows: series.length, horizons, redundancy: redundancy(series) };
}

/**
 * `compute`, reusing the answer for a series equal value for value to one already seen: with
 * candles alone a leave-one-out of a component that never has data is the score itself, and a
 * component with one sub-score is that sub-score. The estimate depends only on the values.
 */
function memoised(compute: (series: Float64Array) => IcEstimate): (series: Float64Array) => IcEstimate {
  const seen: { series: Float64Array; estimate: IcEstimate }[] = [];
  return (series) => {
    const known = seen.find((entry) => sameValues(entry.series, series));
    if (known !== undefined) return known.estimate;
    const estimate = compute(series);
    seen.push({ series, estimate });
    return estimate;
  };
}

function sameValues(a: Float64Array, b: Float64Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return false;
  return true;
}

/** The rank-correlation matrix over the series that have at least one value. */
function redundancy(series: SignalSeries): CorrelationMatrix {
  const candidates: Record<string, Float64Array> = {
    score: series.score,
    ...series.components,
    ...series.subScores,
    ...series.baselines,
  };
  return rankCorrelationMatrix(
    Object.fromEntries(Object.entries(candidates).filter(([, s]) => s.some((v) => !Number.isNaN(v)))),
  );
}

/** The whole report: each file's statistics, and the pooled ones when there are several files. */
export function backtestReport(markets: readonly MarketRows[], options: BacktestOptions): BacktestReport {
  const series = markets.map((market, i) => marketSeries(market, options, i));
  const reports = markets.map((market, i): MarketReport => {
    const first = market.rows[0];
    const last = market.rows.at(-1);
    return {
      ...market.market,
      candles: market.candles.length,
      from: first === undefined ? null : new Date(first.time).toISOString(),
      to: last === undefined ? null : new Date(last.time).toISOString(),
      ...reportSeries(series[i] as SignalSeries, options),
    };
  });
  return {
    options,
    markets: reports,
    pooled: series.length > 1 ? reportSeries(poolSeries(series), options) : null,
    pooling: POOLING,
  };
}
