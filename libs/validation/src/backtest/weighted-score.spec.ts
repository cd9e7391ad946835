import { describe, expect, it } from '@jest/globals';
import { type ConfigShape, loadConfig, type WeightsConfig } from '@app/config';
import { WeightManager } from '@app/confluence';
import { COMPONENT_NAMES, COMPONENT_SUBSCORES, type ComponentName } from '@app/contracts';
import { loadMarketCandles, MARKET_FILES, PROJECT_CONFIG_DIR, prng } from '@app/testing';
import { runBacktest } from './backtest-runner.js';
import { subScoreTable, weightedScores } from './weighted-score.js';

const config = loadConfig({ env: { NODE_ENV: 'test', CONFIG_DIR: PROJECT_CONFIG_DIR } });
const market = {
  name: 'btc',
  exchange: 'binance',
  symbol: 'BTC/USDT',
  timeframe: '1m' as const,
  candles: loadMarketCandles(MARKET_FILES.btc1m, 500),
};

/** Random weights summing to 1 per set, some exactly 0. */
function randomWeights(seed: number): ConfigShape<WeightsConfig> {
  const random = prng(seed);
  const set = (keys: readonly string[]): Record<string, number> => {
    const raw = keys.map(() => (random() < 0.2 ? 0 : random()));
    if (!raw.some((w) => w > 0)) raw[0] = 1;
    const total = raw.reduce((s, w) => s + w, 0);
    return Object.fromEntries(keys.map((key, i) => [key, (raw[i] ?? 0) / total]));
  };
  const { timeframes, thresholds, overrides } = config.weights;
  return {
    timeframes,
    thresholds,
    overrides,
    components: set(COMPONENT_NAMES) as Record<ComponentName, number>,
    subscores: Object.fromEntries(
      COMPONENT_NAMES.map((c) => [c, set(COMPONENT_SUBSCORES[c])]),
    ) as unknown as ConfigShape<WeightsConfig>['subscores'],
  };
}

describe('weightedScores', () => {
  const [base] = runBacktest([market], config);
  const table = subScoreTable(base!.rows);

  it('re-scores stored sub-scores exactly as the engine scored them with the live weights', () => {
    const scores = weightedScores(table, new WeightManager(config.weights).forSymbol('BTC/USDT'));
    base!.rows.forEach((row, i) => {
      expect(scores[i]).toBeCloseTo(row.score, 9);
    });
  });

  it.each([3, 17, 41])('equals a fresh engine run under other weights (seed %i)', (seed) => {
    const weights = randomWeights(seed);
    const [rerun] = runBacktest([market], { indicators: config.indicators, weights });
    const scores = weightedScores(table, new WeightManager(weights).forSymbol('BTC/USDT'));
    expect(rerun!.rows).toHaveLength(base!.rows.length);
    rerun!.rows.forEach((row, i) => {
      expect(scores[i]).toBeCloseTo(row.score, 9);
    });
  });

  it('has no score for a row where no component has data (never a made-up 50)', () => {
    const empty = subScoreTable([{ ...base!.rows[0]!, subScores: {} }]);
    expect(weightedScores(empty, new WeightManager(config.weights).forSymbol(undefined))[0]).toBeNaN();
  });
});
