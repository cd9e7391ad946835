import { blockBootstrapInterval, type Interval } from './bootstrap.js';
import { type IcOptions, resolveOptions } from './ic.js';
import { seededRng } from './random.js';

export type LabelName = 'LONG' | 'NEUTRAL' | 'SHORT';
export const LABEL_NAMES: readonly LabelName[] = ['LONG', 'NEUTRAL', 'SHORT'];

export interface LabelStats {
  readonly n: number;
  readonly independent: number;
  /** independent ≥ minIndependent; when false the figures below are null. */
  readonly sufficient: boolean;
  /** LONG: share with forward > 0; SHORT: share < 0; NEUTRAL: share with |r| ≤ the median |r| of all rows. */
  readonly hitRate: number | null;
  /** Wilson interval, on the independent count (overlapping returns are not separate trials). */
  readonly hitInterval: Interval | null;
  /** Mean forward log return of the rows with this label. */
  readonly meanReturn: number | null;
}

export interface LabelReport {
  readonly n: number;
  readonly byLabel: Readonly<Record<LabelName, LabelStats>>;
  /** Share of all usable rows with forward > 0: what a LONG hit rate is to be compared with. */
  readonly baseRateUp: number | null;
  /** mean(LONG) − mean(SHORT) forward return, with a moving-block bootstrap interval. */
  readonly longShortSpread: { readonly value: number | null; readonly interval: Interval | null };
}

function isLabel(label: string | null | undefined): label is LabelName {
  return label === 'LONG' || label === 'NEUTRAL' || label === 'SHORT';
}

/** Hit rates, mean forward return per label and the long−short spread, for the rows with a label and a finite return. */
export function labelReport(
  labels: readonly (string | null)[],
  forward: ArrayLike<number>,
  options: IcOptions,
): LabelReport {
  const o = resolveOptions(options);
  if (labels.length !== forward.length)
    throw new RangeError(`series differ in length: ${labels.length} and ${forward.length}`);
  const rows: { label: LabelName; r: number }[] = [];
  for (let i = 0; i < labels.length; i++) {
    const label = labels[i];
    const r = forward[i] ?? Number.NaN;
    if (isLabel(label) && Number.isFinite(r)) rows.push({ label, r });
  }
  const n = rows.length;
  const magnitudes = rows.map((row) => Math.abs(row.r)).sort((a, b) => a - b);
  const medianMagnitude = magnitudes.length === 0 ? 0 : median(magnitudes);
  const hit = (row: { label: LabelName; r: number }): boolean =>
    row.label === 'LONG' ? row.r > 0 : row.label === 'SHORT' ? row.r < 0 : Math.abs(row.r) <= medianMagnitude;
  const stats = (label: LabelName): LabelStats => {
    const mine = rows.filter((row) => row.label === label);
    const independent = Math.floor(mine.length / o.horizon);
    const sufficient = independent >= o.minIndependent;
    if (!sufficient)
      return { n: mine.length, independent, sufficient, hitRate: null, hitInterval: null, meanReturn: null };
    const hitRate = mine.filter(hit).length / mine.length;
    return {
      n: mine.length,
      independent,
      sufficient,
      hitRate,
      hitInterval: wilson(hitRate, independent, o.level),
      meanReturn: mine.reduce((s, row) => s + row.r, 0) / mine.length,
    };
  };
  const byLabel = { LONG: stats('LONG'), NEUTRAL: stats('NEUTRAL'), SHORT: stats('SHORT') };
  const up = rows.filter((row) => row.r > 0).length;
  const enough = Math.floor(n / o.horizon) >= o.minIndependent;
  return {
    n,
    byLabel,
    baseRateUp: enough ? up / n : null,
    longShortSpread: spread(rows, byLabel, o),
  };
}

function spread(
  rows: readonly { label: LabelName; r: number }[],
  byLabel: Readonly<Record<LabelName, LabelStats>>,
  o: ReturnType<typeof resolveOptions>,
): LabelReport['longShortSpread'] {
  const long = byLabel.LONG.meanReturn;
  const short = byLabel.SHORT.meanReturn;
  if (long === null || short === null) return { value: null, interval: null };
  const interval = blockBootstrapInterval(rows.length, { ...o, rng: seededRng(o.seed) }, (indices) => {
    let sumLong = 0;
    let nLong = 0;
    let sumShort = 0;
    let nShort = 0;
    for (const i of indices) {
      const row = rows[i];
      if (row?.label === 'LONG') {
        sumLong += row.r;
        nLong++;
      } else if (row?.label === 'SHORT') {
        sumShort += row.r;
        nShort++;
      }
    }
    return nLong === 0 || nShort === 0 ? Number.NaN : sumLong / nLong - sumShort / nShort;
  });
  return { value: long - short, interval };
}

/** Wilson score interval for a proportion p observed over n trials. */
export function wilson(p: number, n: number, level: number): Interval {
  const z = normalQuantile(1 - (1 - level) / 2);
  const z2 = z * z;
  const centre = (p + z2 / (2 * n)) / (1 + z2 / n);
  const half = (z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))) / (1 + z2 / n);
  return { low: Math.max(0, centre - half), high: Math.min(1, centre + half), level };
}

function median(sorted: readonly number[]): number {
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

/**
 * Standard normal quantile (Acklam's rational approximation, relative error < 1.2e-9), so any
 * interval level works without a table.
 */
export function normalQuantile(p: number): number {
  const a = [
    -39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716,
    2.506628277459239,
  ];
  const b = [
    -54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572,
  ];
  const c = [
    -0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968,
    2.938163982698783,
  ];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const [a0, a1, a2, a3, a4, a5] = a as [number, number, number, number, number, number];
  const [b0, b1, b2, b3, b4] = b as [number, number, number, number, number];
  const [c0, c1, c2, c3, c4, c5] = c as [number, number, number, number, number, number];
  const [d0, d1, d2, d3] = d as [number, number, number, number];
  const low = 0.02425;
  if (p < low) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (
      (((((c0 * q + c1) * q + c2) * q + c3) * q + c4) * q + c5) /
      ((((d0 * q + d1) * q + d2) * q + d3) * q + 1)
    );
  }
  if (p > 1 - low) return -normalQuantile(1 - p);
  const q = p - 0.5;
  const r = q * q;
  return (
    ((((((a0 * r + a1) * r + a2) * r + a3) * r + a4) * r + a5) * q) /
    (((((b0 * r + b1) * r + b2) * r + b3) * r + b4) * r + 1)
  );
}
