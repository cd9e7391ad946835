import { describe, expect, it } from '@jest/globals';
import { WEIGHTS_DEFAULTS } from '@app/config';
import { WeightManager } from '@app/confluence';
import { COMPONENT_NAMES, COMPONENT_SUBSCORES, type ComponentName } from '@app/contracts';
import { seededRng } from '../stats/random.js';
import { spearman } from '../stats/rank.js';
import { forwardLogReturns } from '../stats/returns.js';
import { type CalibrationMarket, calibrateWeights } from './calibrate.js';
import { type SubScoreTable, weightedScores } from './weighted-score.js';

const HORIZON = 4;
const current = new WeightManager(WEIGHTS_DEFAULTS).forSymbol(undefined);

/**
 * A market where volume's one sub-score (obv) is built from the next HORIZON candles' return plus
 * noise — it leads price — while technical's one sub-score (rsi) is noise. Nothing else has data.
 */
function synthetic(n: number, seed: number, lead = true): CalibrationMarket {
  const rng = seededRng(seed);
  const closes = new Float64Array(n);
  closes[0] = 100;
  for (let i = 1; i < n; i++) closes[i] = (closes[i - 1] as number) * Math.exp((rng() - 0.5) * 0.004);
  const forward = forwardLogReturns(closes, HORIZON);
  const values = {} as Record<ComponentName, Record<string, Float64Array>>;
  for (const component of COMPONENT_NAMES)
    values[component] = Object.fromEntries(
      COMPONENT_SUBSCORES[component].map((name) => [name, new Float64Array(n).fill(Number.NaN)]),
    );
  values.volume.obv = Float64Array.from(forward, (r) =>
    lead && Number.isFinite(r) ? 50 + 40 * Math.tanh(r / 0.004) + (rng() - 0.5) * 40 : rng() * 100,
  );
  values.technical.rsi = Float64Array.from({ length: n }, () => rng() * 100);
  const table: SubScoreTable = { length: n, values };
  return { table, forward };
}

describe('calibrateWeights', () => {
  const market = synthetic(3000, 7);
  const result = calibrateWeights([market], current, { horizon: HORIZON, folds: 4, resamples: 200 });

  it('splits walk-forward: training ends a horizon before its test window, test windows tile the rest', () => {
    expect(result.folds).toHaveLength(4);
    const splits = result.folds.map((fold) => fold.splits[0]!);
    expect(splits[0]).toEqual({ train: { start: 0, end: 600 }, test: { start: 604, end: 1203 } });
    splits.forEach((split, k) => {
      expect(split.train.start).toBe(0);
      expect(split.train.end + HORIZON).toBeLessThanOrEqual(split.test.start);
      expect(split.test.end).toBeGreaterThan(split.test.start);
      // Expanding window: each fold trains on everything up to a horizon before its test rows.
      expect(split.train.end).toBe(split.test.start - HORIZON);
      if (k > 0) expect(split.test.start).toBe(splits[k - 1]!.test.end);
    });
    expect(splits.at(-1)!.test.end).toBe(3000);
  });

  it('moves weight onto the component that leads price and raises the IC in and out of sample', () => {
    expect(result.fitted.components).toEqual(['volume', 'technical']);
    for (const fold of result.folds) {
      expect(fold.inSample.fitted!).toBeGreaterThan(fold.inSample.current! + 0.1);
      expect(fold.outOfSample.fitted!).toBeGreaterThan(fold.outOfSample.current! + 0.1);
    }
    expect(result.inSample.fitted!).toBeGreaterThan(result.inSample.current! + 0.1);
    expect(result.outOfSample.fitted.ic!).toBeGreaterThan(0.5);
    expect(result.outOfSample.fitted.interval!.low).toBeGreaterThan(
      result.outOfSample.current.interval!.high,
    );
    expect(result.better).toBe(true);
    const { components } = result.candidate;
    expect(components.volume / (components.volume + components.technical)).toBeGreaterThan(0.9);
  });

  it('keeps the weights of what has no data and makes every set sum to 1', () => {
    const { components, subscores } = result.candidate;
    for (const c of ['orderFlow', 'orderBook', 'priceStructure', 'sentiment'] as const)
      expect(components[c]).toBeCloseTo(current.components[c], 12);
    expect(components.volume + components.technical).toBeCloseTo(
      current.components.volume + current.components.technical,
      12,
    );
    expect(Object.values(components).reduce((s, w) => s + w, 0)).toBeCloseTo(1, 12);
    for (const c of COMPONENT_NAMES) {
      expect(Object.values(subscores[c]).reduce((s, w) => s + w, 0)).toBeCloseTo(1, 12);
      for (const w of Object.values(subscores[c])) expect(w).toBeGreaterThanOrEqual(0);
    }
    // Only obv has data in volume: its share of the set cannot be judged, so it stays.
    expect(subscores.volume.obv).toBeCloseTo(current.subscores.volume.obv!, 12);
  });

  it('reports each fold out of sample on its test rows only, with the weights fitted before them', () => {
    for (const fold of result.folds) {
      const { test } = fold.splits[0]!;
      const rows = { length: test.end - test.start, values: sliceValues(market.table, test.start, test.end) };
      const forward = market.forward.slice(test.start, test.end);
      expect(fold.outOfSample.fitted).toBeCloseTo(spearman(weightedScores(rows, fold.weights), forward), 12);
      expect(fold.outOfSample.current).toBeCloseTo(spearman(weightedScores(rows, current), forward), 12);
    }
  });

  it('never fits a fold on its test rows: scrambling them leaves the fold’s weights unchanged', () => {
    const first = result.folds[0]!.splits[0]!;
    const rng = seededRng(99);
    const values = sliceValues(market.table, 0, 3000);
    for (const column of [values.volume.obv!, values.technical.rsi!])
      for (let i = first.train.end; i < 3000; i++) column[i] = rng() * 100;
    const scrambled = calibrateWeights(
      [{ table: { length: 3000, values }, forward: market.forward }],
      current,
      { horizon: HORIZON, folds: 4, resamples: 200 },
    );
    expect(scrambled.folds[0]!.weights).toEqual(result.folds[0]!.weights);
    expect(scrambled.folds[0]!.inSample).toEqual(result.folds[0]!.inSample);
    // The later folds trained on the scrambled rows, so they did change.
    expect(scrambled.folds[3]!.weights).not.toEqual(result.folds[3]!.weights);
  });

  it('finds no out-of-sample edge when nothing leads price, and calls it better only above the current weights', () => {
    const noise = calibrateWeights([synthetic(3000, 11, false)], current, {
      horizon: HORIZON,
      folds: 4,
      resamples: 200,
    });
    const { fitted, current: now } = noise.outOfSample;
    expect(fitted.interval!.low).toBeLessThan(0);
    expect(fitted.interval!.high).toBeGreaterThan(0);
    expect(noise.better).toBe(fitted.ic! > now.ic!);
  });

  it('pools markets fold by fold, each split on its own rows', () => {
    const pooled = calibrateWeights([market, synthetic(1500, 8)], current, {
      horizon: HORIZON,
      folds: 4,
      resamples: 200,
    });
    expect(pooled.folds[0]!.splits).toEqual([
      { train: { start: 0, end: 600 }, test: { start: 604, end: 1203 } },
      { train: { start: 0, end: 300 }, test: { start: 304, end: 603 } },
    ]);
    expect(pooled.outOfSample.fitted.n).toBe(
      pooled.folds.reduce(
        (sum, fold) => sum + fold.splits.reduce((s, split) => s + split.test.end - split.test.start, 0),
        0,
      ) -
        2 * HORIZON,
    );
  });
});

function sliceValues(
  table: SubScoreTable,
  start: number,
  end: number,
): Record<ComponentName, Record<string, Float64Array>> {
  return Object.fromEntries(
    COMPONENT_NAMES.map((c) => [
      c,
      Object.fromEntries(
        Object.entries(table.values[c]).map(([name, column]) => [name, column.slice(start, end)]),
      ),
    ]),
  ) as Record<ComponentName, Record<string, Float64Array>>;
}
