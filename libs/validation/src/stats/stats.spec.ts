import {
  averageRanks,
  blockLength,
  brierScore,
  calibrateProbability,
  fitIsotonic,
  forwardLogReturns,
  informationCoefficient,
  labelReport,
  normalQuantile,
  rankCorrelationMatrix,
  seededRng,
  spearman,
  walkForwardSplits,
  wilson,
} from '../index.js';
import type { Rng } from './random.js';

/** Standard normal draws (Box–Muller) from a seeded source, so every run sees the same series. */
function normals(rng: Rng, n: number): number[] {
  return Array.from({ length: n }, () => Math.sqrt(-2 * Math.log(1 - rng())) * Math.cos(2 * Math.PI * rng()));
}

/** A price path of n + 1 closes from per-candle log returns, and a signal that knows the next one. */
function syntheticMarket(n: number, seed: number): { closes: number[]; leading: number[]; noise: number[] } {
  const rng = seededRng(seed);
  const returns = normals(rng, n).map((z) => 0.001 * z);
  const closes = [100];
  for (const r of returns) closes.push((closes.at(-1) ?? 100) * Math.exp(r));
  const jitter = normals(rng, n + 1);
  // Row t's leading signal is the next return plus as much noise again: informative, not perfect.
  const leading = closes.map((_, t) => (returns[t] ?? 0) / 0.001 + (jitter[t] ?? 0));
  const noise = normals(rng, n + 1);
  return { closes, leading, noise };
}

describe('ranks and Spearman', () => {
  it('averages the ranks of ties', () => {
    expect([...averageRanks([10, 20, 20, 30, 5])]).toEqual([2, 3.5, 3.5, 5, 1]);
  });

  it('matches a hand computation with ties', () => {
    // ranks x = 1..5, ranks y = 1, 2, 3.5, 5, 3.5 → Σdxdy = 8, Σdx² = 10, Σdy² = 9.5 → 8 / √95
    expect(spearman([1, 2, 3, 4, 5], [5, 6, 7, 8, 7])).toBeCloseTo(8 / Math.sqrt(95), 12);
  });

  it('is ±1 for monotone pairs, NaN for a constant side or under three pairs, and skips non-finite pairs', () => {
    expect(spearman([1, 2, 3, 4], [1, 4, 9, 16])).toBeCloseTo(1, 12);
    expect(spearman([1, 2, 3, 4], [4, 3, 2, 1])).toBeCloseTo(-1, 12);
    expect(spearman([1, 2, 3, 4], [7, 7, 7, 7])).toBeNaN();
    expect(spearman([1, 2], [1, 2])).toBeNaN();
    expect(spearman([1, Number.NaN, 3, 4, 5], [1, 100, 2, 3, 4])).toBeCloseTo(1, 12);
    expect(() => spearman([1, 2, 3], [1, 2])).toThrow(RangeError);
  });
});

describe('forward returns', () => {
  it('is ln(close[t+h] / close[t]), NaN past the end or around a non-positive close', () => {
    const r = forwardLogReturns([100, 110, 121, 0, 50], 1);
    expect(r[0]).toBeCloseTo(Math.log(1.1), 14);
    expect(r[1]).toBeCloseTo(Math.log(1.1), 14);
    expect([r[2], r[3], r[4]]).toEqual([Number.NaN, Number.NaN, Number.NaN]);
    const two = forwardLogReturns([100, 110, 121], 2);
    expect(two[0]).toBeCloseTo(Math.log(1.21), 14);
    expect(() => forwardLogReturns([1, 2], 0)).toThrow(RangeError);
  });
});

describe('information coefficient', () => {
  const market = syntheticMarket(3000, 7);
  const forward = forwardLogReturns(market.closes, 1);

  it('finds a leading input: IC clearly positive, interval above 0, the shifted null far below', () => {
    const estimate = informationCoefficient(market.leading, forward, { horizon: 1 });
    expect(estimate.n).toBe(3000);
    expect(estimate.sufficient).toBe(true);
    expect(estimate.ic).toBeGreaterThan(0.5);
    expect(estimate.interval?.low).toBeGreaterThan(0.5);
    expect(estimate.interval?.low).toBeLessThan(estimate.ic ?? 0);
    expect(estimate.interval?.high).toBeGreaterThan(estimate.ic ?? 1);
    expect(estimate.nullP).toBeCloseTo(1 / 201, 12);
  });

  it('gives noise an interval that contains 0 and a large null p', () => {
    const estimate = informationCoefficient(market.noise, forward, { horizon: 1 });
    expect(Math.abs(estimate.ic ?? 1)).toBeLessThan(0.05);
    expect(estimate.interval?.low).toBeLessThan(0);
    expect(estimate.interval?.high).toBeGreaterThan(0);
    expect(estimate.nullP).toBeGreaterThan(0.05);
  });

  it('equals Spearman, reproduces with the same seed, and widens with longer overlapping horizons', () => {
    const h12 = forwardLogReturns(market.closes, 12);
    const a = informationCoefficient(market.leading, h12, { horizon: 12, seed: 3 });
    const b = informationCoefficient(market.leading, h12, { horizon: 12, seed: 3 });
    expect(a).toEqual(b);
    expect(a.ic).toBeCloseTo(spearman(market.leading, h12), 12);
    const h1 = informationCoefficient(market.leading, forward, { horizon: 1, seed: 3 });
    const width = (e: typeof a): number => (e.interval?.high ?? 0) - (e.interval?.low ?? 0);
    expect(width(a)).toBeGreaterThan(width(h1));
    expect(blockLength(3000, 12)).toBe(15);
    expect(blockLength(3000, 20)).toBe(20);
  });

  it('reports fewer than 30 independent samples as insufficient, not as a number', () => {
    const short = informationCoefficient(market.leading.slice(0, 59), forward.slice(0, 59), { horizon: 2 });
    expect(short).toEqual({
      n: 59,
      independent: 29,
      sufficient: false,
      ic: null,
      interval: null,
      nullP: null,
    });
    expect(
      informationCoefficient(market.leading.slice(0, 60), forward.slice(0, 60), { horizon: 2 }).sufficient,
    ).toBe(true);
  });
});

describe('label report', () => {
  it('matches hand-computed hit rates, means, base rate and spread', () => {
    const labels = ['LONG', 'LONG', 'LONG', 'SHORT', 'SHORT', 'NEUTRAL', 'NEUTRAL', null];
    const forward = [0.02, -0.01, 0.03, -0.02, 0.01, 0.001, -0.05, 0.9];
    const report = labelReport(labels, forward, { horizon: 1, minIndependent: 1, resamples: 200 });
    expect(report.n).toBe(7);
    expect(report.byLabel.LONG.hitRate).toBeCloseTo(2 / 3, 12);
    expect(report.byLabel.LONG.meanReturn).toBeCloseTo(0.04 / 3, 12);
    expect(report.byLabel.SHORT.hitRate).toBeCloseTo(1 / 2, 12);
    expect(report.byLabel.SHORT.meanReturn).toBeCloseTo(-0.005, 12);
    // |r| sorted: .001 .01 .01 .02 .02 .03 .05 → median .02; NEUTRAL .001 is a hit, .05 is not.
    expect(report.byLabel.NEUTRAL.hitRate).toBeCloseTo(1 / 2, 12);
    expect(report.baseRateUp).toBeCloseTo(4 / 7, 12);
    expect(report.longShortSpread.value).toBeCloseTo(0.04 / 3 + 0.005, 12);
  });

  it('computes the Wilson interval on the independent count', () => {
    const interval = wilson(0.5, 100, 0.95);
    expect(interval.low).toBeCloseTo(0.40383, 4);
    expect(interval.high).toBeCloseTo(0.59617, 4);
    expect(normalQuantile(0.975)).toBeCloseTo(1.959963985, 8);
    expect(normalQuantile(0.005)).toBeCloseTo(-2.575829304, 8);
  });

  it('leaves a label with too few independent rows without figures', () => {
    const labels = Array.from({ length: 100 }, (_, i) => (i < 90 ? 'LONG' : 'SHORT'));
    const forward = Array.from({ length: 100 }, (_, i) => (i % 2 === 0 ? 0.01 : -0.01));
    const report = labelReport(labels, forward, { horizon: 1 });
    expect(report.byLabel.LONG).toMatchObject({ n: 90, sufficient: true, hitRate: 0.5 });
    expect(report.byLabel.SHORT).toEqual({
      n: 10,
      independent: 10,
      sufficient: false,
      hitRate: null,
      hitInterval: null,
      meanReturn: null,
    });
    expect(report.longShortSpread).toEqual({ value: null, interval: null });
  });
});

describe('rank correlation matrix', () => {
  it('is symmetric with a unit diagonal, null where a series is constant', () => {
    const m = rankCorrelationMatrix({
      a: [1, 2, 3, 4],
      b: [2, 4, 6, 9],
      c: [4, 3, 2, 1],
      flat: [1, 1, 1, 1],
    });
    expect(m.names).toEqual(['a', 'b', 'c', 'flat']);
    expect(m.matrix[0]?.[0]).toBeCloseTo(1, 12);
    expect(m.matrix[0]?.[1]).toBeCloseTo(1, 12);
    expect(m.matrix[2]?.[0]).toBeCloseTo(-1, 12);
    expect(m.matrix[0]?.[2]).toBe(m.matrix[2]?.[0]);
    expect(m.matrix[3]).toEqual([null, null, null, null]);
  });
});

describe('walk-forward splits', () => {
  it('trains only on rows before the test window, a gap earlier, and tiles the rest', () => {
    expect(walkForwardSplits(100, { folds: 4, minTrain: 20, gap: 5 })).toEqual([
      { train: { start: 0, end: 20 }, test: { start: 25, end: 43 } },
      { train: { start: 0, end: 38 }, test: { start: 43, end: 61 } },
      { train: { start: 0, end: 56 }, test: { start: 61, end: 79 } },
      { train: { start: 0, end: 74 }, test: { start: 79, end: 100 } },
    ]);
    expect(walkForwardSplits(10, { folds: 5, minTrain: 8, gap: 3 })).toEqual([]);
    expect(() => walkForwardSplits(10, { folds: 0, minTrain: 1, gap: 0 })).toThrow(RangeError);
  });
});

describe('probability calibration', () => {
  it('fits a monotone map by pooling violators, ties sharing one block', () => {
    const map = fitIsotonic([1, 2, 3, 4, 4], [1, 0, 1, 1, 0]);
    expect(map.knots).toEqual([
      { score: 1, probability: 0.5, n: 2 },
      // 3 → 1, then the tied 4s → ½ violate it: pooled to (1 + 1 + 0) / 3.
      { score: 3, probability: 2 / 3, n: 3 },
    ]);
    expect([map.predict(0), map.predict(2.5), map.predict(3), map.predict(99)]).toEqual([
      0.5,
      0.5,
      2 / 3,
      2 / 3,
    ]);
    // The first 2 pools down into 1's block; the second 2 must join that block, not start one.
    expect(fitIsotonic([1, 2, 2, 3], [1, 0, 1, 1]).knots).toEqual([
      { score: 1, probability: 2 / 3, n: 3 },
      { score: 3, probability: 1, n: 1 },
    ]);
    expect(brierScore([0.5, 1, Number.NaN], [1, 1, 0])).toBeCloseTo(0.125, 12);
  });

  it('has out-of-sample skill when the score carries the odds, and none for noise', () => {
    const rng = seededRng(11);
    const scores = Array.from({ length: 4000 }, () => 100 * rng());
    // P(up) = score / 100: a perfectly calibrated, informative score.
    const forward = scores.map((s) => (rng() < s / 100 ? 0.01 : -0.01));
    const good = calibrateProbability(scores, forward, { horizon: 1 });
    expect(good.sufficient).toBe(true);
    expect(good.outOfSample?.skill).toBeGreaterThan(0.2);
    expect(good.map.predict(90)).toBeGreaterThan(good.map.predict(10));
    const noise = calibrateProbability(
      scores,
      scores.map(() => (rng() < 0.5 ? 0.01 : -0.01)),
      { horizon: 1 },
    );
    expect(noise.outOfSample?.skill).toBeLessThan(0.01);
    expect(
      calibrateProbability(scores.slice(0, 20), forward.slice(0, 20), { horizon: 1 }).outOfSample,
    ).toBeNull();
  });
});
