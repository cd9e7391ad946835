import { describe, expect, it } from '@jest/globals';
import { MarketAnalyzer, type MarketEvent } from '@app/analysis';
import { type ConfigShape, loadConfig, type WeightsConfig } from '@app/config';
import { type ConfluenceResult, createConfluenceEngine } from '@app/confluence';
import { COMPONENT_NAMES, type ComponentName, DataSource, InputError, MarketEventName } from '@app/contracts';
import { validateBusEvent } from '@app/contracts/dto';
import { loadMarketCandles, MARKET_FILES, PROJECT_CONFIG_DIR } from '@app/testing';
import { firstCandleProblem, runBacktest } from './backtest-runner.js';
import type { BacktestMarket } from './backtest.types.js';

const config = loadConfig({ env: { NODE_ENV: 'test', CONFIG_DIR: PROJECT_CONFIG_DIR } });
const MARKET = { exchange: 'binance', symbol: 'BTC/USDT' } as const;
const candles = loadMarketCandles(MARKET_FILES.btc1m, 400);
const market: BacktestMarket = { name: 'btc', ...MARKET, timeframe: '1m', candles };

/** The worker's way: a MarketAnalyzer on the data clock fed one validated candle event at a time. */
function plainRun(weights: ConfigShape<WeightsConfig> = config.weights): ConfluenceResult[] {
  const analyzer = new MarketAnalyzer(
    MARKET,
    createConfluenceEngine({ indicators: config.indicators, weights }),
    { refreshIntervalMs: 5_000, clock: 'data' },
  );
  return candles.flatMap((candle) => {
    const emittedAt = candle.timestamp + 60_000;
    const validated = validateBusEvent(MarketEventName.CandleClosed, {
      ...MARKET,
      timeframe: '1m',
      source: DataSource.Replay,
      emittedAt,
      candle: { ...candle },
    });
    if (!validated.ok) throw new Error(validated.errors.join('; '));
    const event: MarketEvent = { name: MarketEventName.CandleClosed, payload: validated.value };
    return analyzer.process([event], emittedAt).updates.map((u) => u.result);
  });
}

/** weights.yaml with `component` at 0 and the others scaled back to a sum of 1, as a user would write it. */
function withoutComponent(component: ComponentName): ConfigShape<WeightsConfig> {
  const rest = 1 - config.weights.components[component];
  const components = Object.fromEntries(
    COMPONENT_NAMES.map((c) => [c, c === component ? 0 : config.weights.components[c] / rest]),
  ) as Record<ComponentName, number>;
  const { subscores, timeframes, thresholds, overrides } = config.weights;
  return { components, subscores, timeframes, thresholds, overrides };
}

describe('runBacktest', () => {
  const [rows] = runBacktest([market], config);

  it('gives one row per scored candle, equal field by field to a plain MarketAnalyzer run', () => {
    const results = plainRun();
    expect(rows?.rows.length).toBe(results.length);
    expect(results.length).toBe(candles.length - (rows?.required ?? 0) + 1);
    results.forEach((result, i) => {
      const row = rows?.rows[i];
      const own = result.timeframes.find((t) => t.timeframe === '1m');
      expect(row?.time).toBe(result.candleTime);
      expect(row?.close).toBe(candles[row?.candleIndex ?? -1]?.close);
      expect(candles[row?.candleIndex ?? -1]?.timestamp).toBe(result.candleTime);
      expect(row?.score).toBe(result.score);
      expect(row?.label).toBe(result.label);
      for (const component of own?.components ?? []) {
        expect(row?.components[component.component]).toBe(component.score);
        for (const sub of component.subScores)
          expect(row?.subScores[`${component.component}.${sub.name}`]).toBe(sub.score);
      }
    });
    // Candles alone: the order book and order flow never have data, and say so as null.
    expect(
      rows?.rows.every(
        (r) => r.components.orderBook === null && r.subScores['orderFlow.tradeImbalance'] === null,
      ),
    ).toBe(true);
  });

  it.each(['volume', 'priceStructure', 'technical', 'sentiment'] as const)(
    "leaves %s out exactly as the engine scores with that component's weight at 0",
    (component) => {
      const reweighted = plainRun(withoutComponent(component));
      expect(reweighted.length).toBe(rows?.rows.length);
      let differs = 0;
      reweighted.forEach((result, i) => {
        const row = rows?.rows[i];
        expect(row?.leaveOneOut[component]).toBeCloseTo(result.score, 9);
        if (Math.abs((row?.leaveOneOut[component] ?? 0) - (row?.score ?? 0)) > 1e-6) differs++;
      });
      // The component had data on these rows, so leaving it out must change the score.
      expect(differs).toBeGreaterThan(rows!.rows.length / 2);
    },
  );

  it('leaves a component without data out as the score itself', () => {
    for (const row of rows?.rows ?? []) {
      expect(row.leaveOneOut.orderFlow).toBe(row.score);
      expect(row.leaveOneOut.orderBook).toBe(row.score);
    }
  });

  it('runs each market on its own engine: a second file does not change the first one’s rows', () => {
    const ltc = { name: 'ltc', exchange: 'binance', symbol: 'LTC/USDT', timeframe: '1m' as const };
    const both = runBacktest(
      [market, { ...ltc, candles: loadMarketCandles(MARKET_FILES.ltc1m, 300) }],
      config,
    );
    expect(both[0]?.rows).toEqual(rows?.rows);
    expect(both[1]?.rows.length).toBe(300 - (both[1]?.required ?? 0) + 1);
    // LTC/USDT has its own thresholds (35/65) in weights.yaml, and its rows are labelled by them.
    for (const row of both[1]?.rows ?? [])
      expect(row.label).toBe(row.score >= 65 ? 'LONG' : row.score <= 35 ? 'SHORT' : 'NEUTRAL');
  });

  it('names the first candle the engine would refuse, and refuses to run on it', () => {
    const misaligned = [...candles.slice(0, 3), { ...candles[3]!, timestamp: candles[3]!.timestamp + 1 }];
    expect(firstCandleProblem(misaligned, '1m')).toEqual({
      index: 3,
      message: expect.stringMatching(/^timestamp must be a 1m candle open time/),
    });
    expect(firstCandleProblem(candles, '1m')).toBeNull();
    expect(() => runBacktest([{ ...market, candles: misaligned }], config)).toThrow(InputError);
  });
});
