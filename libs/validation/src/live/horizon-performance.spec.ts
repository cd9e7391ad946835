import { describe, expect, it } from '@jest/globals';
import type { Signal, ValidationSample } from '@app/contracts';
import { calibrateProbability } from '../stats/calibration.js';
import { informationCoefficient } from '../stats/ic.js';
import { labelReport } from '../stats/labels.js';
import { seededRng } from '../stats/random.js';
import { joinedForwardReturns } from './forward-join.js';
import { horizonPerformance } from './horizon-performance.js';

const MINUTE = 60_000;
const T0 = Date.UTC(2021, 1, 19);
const OPTIONS = { minIndependent: 30, resamples: 200, folds: 4 } as const;

const labelOf = (score: number): Signal => (score >= 60 ? 'LONG' : score <= 40 ? 'SHORT' : 'NEUTRAL');

/**
 * n one-minute samples of a random walk: `technical` (and the score) know the next candle's move
 * through as much noise again, `volume` is noise, the book and flow components are absent. Every
 * `opinionEvery`-th row has an opinion whose label is the engine's flipped (LONG ↔ SHORT).
 */
function market(n: number, opinionEvery = 0, blended = false): ValidationSample[] {
  const rng = seededRng(11);
  const gauss = (): number => Math.sqrt(-2 * Math.log(1 - rng())) * Math.cos(2 * Math.PI * rng());
  const moves = Array.from({ length: n }, () => gauss());
  let close = 100;
  return moves.map((_, i) => {
    const lead = (moves[i + 1] ?? 0) + gauss();
    const score = Math.min(100, Math.max(0, 50 + 12 * lead));
    const sample: ValidationSample = {
      exchange: 'binance',
      symbol: 'BTC/USDT',
      timeframe: '1m',
      candleTime: T0 + i * MINUTE,
      close,
      score,
      label: labelOf(score),
      components: { technical: score, volume: 50 + 10 * gauss(), priceStructure: 50 },
      inputHash: String(i).padStart(64, '0'),
      ...(opinionEvery > 0 && i % opinionEvery === 0
        ? {
            llm: {
              label: labelOf(100 - score),
              ...(blended ? { blended: labelOf((score + 50) / 2) } : {}),
            },
          }
        : {}),
    };
    close *= Math.exp(0.001 * (moves[i + 1] ?? 0));
    return sample;
  });
}

describe('horizonPerformance', () => {
  it('gives the statistics of the score, each component and the labels over the joined returns', () => {
    const samples = market(800);
    for (const horizon of [1, 4]) {
      const forward = joinedForwardReturns(samples, '1m', horizon);
      const report = horizonPerformance(samples, forward, { ...OPTIONS, horizon });
      const ic = { horizon, resamples: 200, minIndependent: 30, seed: 1 };
      const scores = samples.map((s) => s.score);

      expect(report.score).toEqual(informationCoefficient(scores, forward, ic));
      expect(report).toMatchObject({
        horizon,
        n: 800 - horizon,
        independent: Math.floor((800 - horizon) / horizon),
      });
      expect(report.sufficient).toBe(true);
      expect(report.components?.technical).toEqual(report.score);
      expect(report.components?.volume).toEqual(
        informationCoefficient(
          samples.map((s) => s.components.volume ?? Number.NaN),
          forward,
          ic,
        ),
      );
      // A component no sample had: no pairs, no figure.
      expect(report.components?.orderBook).toEqual({
        n: 0,
        independent: 0,
        sufficient: false,
        ic: null,
        interval: null,
        nullP: null,
      });
      expect(report.labels).toEqual(
        labelReport(
          samples.map((s) => s.label),
          forward,
          ic,
        ),
      );
      expect(report.probability).toEqual(
        calibrateProbability(scores, forward, { ...ic, folds: 4 }).outOfSample,
      );
    }
  });

  it('finds the leading score at one candle and nothing in the noise component', () => {
    const samples = market(800);
    const report = horizonPerformance(samples, joinedForwardReturns(samples, '1m', 1), {
      ...OPTIONS,
      horizon: 1,
    });

    expect(report.score.ic).toBeGreaterThan(0.5);
    expect(report.score.interval?.low).toBeGreaterThan(0.4);
    expect(report.score.nullP).toBeLessThan(0.01);
    const noise = report.components?.volume;
    expect(noise?.interval?.low).toBeLessThan(0);
    expect(noise?.interval?.high).toBeGreaterThan(0);
    expect(report.labels?.byLabel.LONG.hitRate).toBeGreaterThan(report.labels?.baseRateUp ?? 1);
    expect(report.probability?.brier).toBeLessThan(report.probability?.brierBase ?? 0);
  });

  it('below minIndependent independent returns: sufficient false and every figure null', () => {
    // 4-candle horizon over 120 samples: 116 returns, 29 independent (< 30).
    const samples = market(120, 2);
    const report = horizonPerformance(samples, joinedForwardReturns(samples, '1m', 4), {
      ...OPTIONS,
      horizon: 4,
    });

    expect(report).toEqual({
      horizon: 4,
      n: 116,
      independent: 29,
      sufficient: false,
      score: { n: 116, independent: 29, sufficient: false, ic: null, interval: null, nullP: null },
      components: null,
      labels: null,
      opinions: null,
      probability: null,
    });
  });

  it("scores the LLM's labels beside the engine's on the same rows, and the blended ones when given", () => {
    const samples = market(900, 3, true);
    const forward = joinedForwardReturns(samples, '1m', 1);
    const report = horizonPerformance(samples, forward, { ...OPTIONS, horizon: 1 });
    const ic = { horizon: 1, resamples: 200, minIndependent: 30, seed: 1 };
    const onOpinionRows = (pick: (s: ValidationSample) => string | undefined): (string | null)[] =>
      samples.map((s) => (s.llm === undefined ? null : (pick(s) ?? null)));

    expect(report.opinions).toEqual({
      n: 300,
      independent: 300,
      sufficient: true,
      engine: labelReport(
        onOpinionRows((s) => s.label),
        forward,
        ic,
      ),
      llm: labelReport(
        onOpinionRows((s) => s.llm?.label),
        forward,
        ic,
      ),
      blended: labelReport(
        onOpinionRows((s) => s.llm?.blended),
        forward,
        ic,
      ),
    });
    // The flipped labels measurably harm: LONG from the model is right less often than the engine's.
    const llmLong = report.opinions?.llm?.byLabel.LONG.hitRate ?? 1;
    const engineLong = report.opinions?.engine?.byLabel.LONG.hitRate ?? 0;
    expect(llmLong).toBeLessThan(engineLong);
    expect(report.opinions?.llm?.longShortSpread.value).toBeLessThan(0);
  });

  it('says how few opinions there are, without figures, and no blended report without blended labels', () => {
    const few = market(900, 40);
    const report = horizonPerformance(few, joinedForwardReturns(few, '1m', 1), { ...OPTIONS, horizon: 1 });
    expect(report.opinions).toEqual({
      n: 23,
      independent: 23,
      sufficient: false,
      engine: null,
      llm: null,
      blended: null,
    });

    const unblended = market(900, 3);
    const plain = horizonPerformance(unblended, joinedForwardReturns(unblended, '1m', 1), {
      ...OPTIONS,
      horizon: 1,
    });
    expect(plain.opinions?.sufficient).toBe(true);
    expect(plain.opinions?.llm).not.toBeNull();
    expect(plain.opinions?.blended).toBeNull();
  });
});
