import { describe, expect, it } from '@jest/globals';
import { calibrateProbability } from '../stats/calibration.js';
import { seededRng } from '../stats/random.js';
import { ProbabilityMaps } from './probability-maps.js';

const BTC = { exchange: 'binance', symbol: 'BTC/USDT', timeframe: '1m' } as const;
const BTC_5M = { ...BTC, timeframe: '5m' } as const;

/** Scores and forward returns where a higher score means an up move more often. */
function history(n: number): { scores: number[]; forward: number[] } {
  const rng = seededRng(3);
  const scores = Array.from({ length: n }, () => 100 * rng());
  const forward = scores.map((score) => (rng() < score / 100 ? 0.001 : -0.001));
  return { scores, forward };
}

describe('ProbabilityMaps', () => {
  it('has nothing for a stream before its first fit', () => {
    const maps = new ProbabilityMaps();

    expect(maps.probabilityOf(BTC, 60)).toBeNull();
    expect(maps.version).toBe(0);
  });

  it("gives each horizon's P(up) for a score from its map, with n and the out-of-sample Brier scores", () => {
    const maps = new ProbabilityMaps();
    const { scores, forward } = history(1200);
    const one = calibrateProbability(scores, forward, { horizon: 1, folds: 5 });
    const few = calibrateProbability(scores.slice(0, 100), forward.slice(0, 100), { horizon: 4, folds: 5 });
    maps.update(
      BTC,
      new Map([
        [1, one],
        [4, few],
      ]),
    );

    const tested = one.outOfSample;
    if (tested === null) throw new Error('expected an out-of-sample score');
    for (const score of [5, 50, 95])
      expect(maps.probabilityOf(BTC, score)).toEqual({
        '1': {
          sufficient: true,
          up: one.map.predict(score),
          n: 1200,
          brier: tested.brier,
          brierBase: tested.brierBase,
        },
        // 100 samples at 4 candles: 25 independent, below the floor of 30.
        '4': { sufficient: false, n: 100 },
      });
    // The map is monotone and informative here: a high score is more likely up than a low one.
    const low = maps.probabilityOf(BTC, 5)?.['1'];
    const high = maps.probabilityOf(BTC, 95)?.['1'];
    expect(low?.sufficient && high?.sufficient && high.up > low.up + 0.5).toBe(true);
    expect(maps.probabilityOf(BTC_5M, 50)).toBeNull();
  });

  it('replaces a stream’s maps whole on a refit and moves the version', () => {
    const maps = new ProbabilityMaps();
    const { scores, forward } = history(600);
    maps.update(BTC, new Map([[1, calibrateProbability(scores, forward, { horizon: 1 })]]));
    const first = maps.version;
    maps.update(BTC, new Map([[12, calibrateProbability(scores, forward, { horizon: 12 })]]));

    expect(maps.version).toBe(first + 1);
    expect(Object.keys(maps.probabilityOf(BTC, 50) ?? {})).toEqual(['12']);
  });
});
