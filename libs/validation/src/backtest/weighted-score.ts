import { COMPONENT_NAMES, COMPONENT_SUBSCORES, type ComponentName } from '@app/contracts';
import type { BacktestRow } from './backtest.types.js';
import { subScoreKey } from './backtest.types.js';

// Bound once: in a vm context (Jest) every global lookup in these loops costs an interceptor call.
const { min, max } = Math;
const numberIsNaN = Number.isNaN;
const NAN = Number.NaN;

/** Component and sub-score weights, each set summing to 1 (WeightSet's two scoring levels). */
export interface ScoringWeights {
  readonly components: Readonly<Record<ComponentName, number>>;
  readonly subscores: Readonly<Record<ComponentName, Readonly<Record<string, number>>>>;
}

/** Sub-score values by component and sub-score, one per row; NaN where the sub-score had no data. */
export interface SubScoreTable {
  readonly length: number;
  readonly values: Readonly<Record<ComponentName, Readonly<Record<string, Float64Array>>>>;
}

export function subScoreTable(rows: readonly BacktestRow[]): SubScoreTable {
  const values = {} as Record<ComponentName, Record<string, Float64Array>>;
  for (const component of COMPONENT_NAMES) {
    values[component] = {};
    for (const name of COMPONENT_SUBSCORES[component])
      values[component][name] = Float64Array.from(
        rows,
        (row) => row.subScores[subScoreKey(component, name)] ?? NAN,
      );
  }
  return { length: rows.length, values };
}

/** The rows `rows` (indices into its table) of each part, as one table. */
export function concatTables(parts: readonly { table: SubScoreTable; rows: Int32Array }[]): SubScoreTable {
  const length = parts.reduce((sum, part) => sum + part.rows.length, 0);
  const values = {} as Record<ComponentName, Record<string, Float64Array>>;
  for (const component of COMPONENT_NAMES) {
    values[component] = {};
    for (const name of COMPONENT_SUBSCORES[component]) {
      const out = new Float64Array(length);
      let at = 0;
      for (const { table, rows } of parts) {
        const column = table.values[component][name] as Float64Array;
        for (const row of rows) out[at++] = column[row] as number;
      }
      values[component][name] = out;
    }
  }
  return { length, values };
}

/**
 * The score of every row under `weights`, as ScoreCalculator computes it from the same sub-scores:
 * each component the weighted mean of its sub-scores present (weights renormalised over them; no
 * weight present, no component), clamped to 0–100; the score the mean of the components present
 * weighted by their renormalised weights, clamped (all present weights 0 gives 0, as the engine
 * does). NaN where no component has data. weighted-score.spec.ts checks it against the engine.
 */
export function weightedScores(table: SubScoreTable, weights: ScoringWeights): Float64Array {
  const n = table.length;
  const numerator = new Float64Array(n);
  const denominator = new Float64Array(n);
  const anyComponent = new Uint8Array(n);
  const componentScore = new Float64Array(n);
  const coverage = new Float64Array(n);
  for (const component of COMPONENT_NAMES) {
    componentScore.fill(0);
    coverage.fill(0);
    const subWeights = weights.subscores[component];
    const columns = table.values[component];
    for (const name of COMPONENT_SUBSCORES[component]) {
      const w = subWeights[name] ?? 0;
      const column = columns[name] as Float64Array;
      for (let i = 0; i < n; i++) {
        const v = column[i] as number;
        if (numberIsNaN(v)) continue;
        coverage[i] = (coverage[i] as number) + w;
        componentScore[i] = (componentScore[i] as number) + w * v;
      }
    }
    const W = weights.components[component];
    for (let i = 0; i < n; i++) {
      const c = coverage[i] as number;
      if (!(c > 0)) continue;
      anyComponent[i] = 1;
      const score = min(100, max(0, (componentScore[i] as number) / c));
      numerator[i] = (numerator[i] as number) + W * score;
      denominator[i] = (denominator[i] as number) + W;
    }
  }
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    if (anyComponent[i] === 0) out[i] = NAN;
    else {
      const d = denominator[i] as number;
      out[i] = d > 0 ? min(100, max(0, (numerator[i] as number) / d)) : 0;
    }
  }
  return out;
}
