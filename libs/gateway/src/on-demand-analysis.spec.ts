import { beforeAll, describe, expect, it } from '@jest/globals';
import { type ConfluenceConfig, loadConfig } from '@app/config';
import {
  type Candle,
  type CandleAnalysisRequest,
  createConfluenceEngine,
  engineIndicators,
  EXPORT_INDICATORS,
  IndicatorPlan,
  ResultFormatter,
} from '@app/confluence';
import { loadMarketCandles, MARKET_FILES, PROJECT_CONFIG_DIR } from '@app/testing';
import { OnDemandAnalysis } from './on-demand-analysis.js';

const MINUTE = 60_000;

let config: ConfluenceConfig;
let btc1m: Candle[];
let btc5m: Candle[];
let warmUp: number;

beforeAll(() => {
  config = loadConfig({ env: { NODE_ENV: 'test', CONFIG_DIR: PROJECT_CONFIG_DIR } });
  btc1m = loadMarketCandles(MARKET_FILES.btc1m, 300);
  btc5m = loadMarketCandles(MARKET_FILES.btc5m, 100);
  warmUp = engineIndicators(config.indicators).plan.warmUp;
});

/** An on-demand analysis as the gateway builds it: an engine of its own and the one formatter. */
const onDemand = (): OnDemandAnalysis =>
  new OnDemandAnalysis(createConfluenceEngine(config), new ResultFormatter());

function request(candles: CandleAnalysisRequest['candles'], extra: Partial<CandleAnalysisRequest> = {}) {
  return { exchange: 'custom', symbol: 'BTC/USDT', candles, ...extra };
}

function lastClose(candles: readonly Candle[], intervalMs: number): number {
  const last = candles.at(-1);
  if (last === undefined) throw new Error('no candles');
  return last.timestamp + intervalMs;
}

describe('OnDemandAnalysis analyze', () => {
  it('scores the same body the same every time, on any instance', () => {
    const analysis = onDemand();
    const first = analysis.analyze(request({ '1m': btc1m }));
    const again = analysis.analyze(request({ '1m': btc1m }));
    const elsewhere = onDemand().analyze(request({ '1m': btc1m }));
    if (!first.ok) throw new Error(JSON.stringify(first.issues));
    expect(again).toEqual(first);
    expect(elsewhere).toEqual(first);
    expect(first.result.inputHash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('keeps no state between calls: another body in between changes nothing', () => {
    const analysis = onDemand();
    const before = analysis.analyze(request({ '1m': btc1m }));
    analysis.analyze(request({ '1m': loadMarketCandles(MARKET_FILES.ltc1m, 300) }, { symbol: 'LTC/USDT' }));
    expect(analysis.analyze(request({ '1m': btc1m }))).toEqual(before);
  });

  it("equals the engine's own analysis as of the last candle's close", () => {
    const body = request({ '1m': btc1m });
    const outcome = onDemand().analyze(body);
    const engine = createConfluenceEngine(config).analyzeCandles(body, lastClose(btc1m, MINUTE));
    if (engine.status !== 'ready' || !outcome.ok) throw new Error('expected both ready');
    expect(outcome.result).toEqual(engine.result);
    expect(outcome.result.computedAt).toBe(lastClose(btc1m, MINUTE));
    expect(outcome.result.candleTime).toBe(btc1m.at(-1)?.timestamp);
    expect(outcome.full).toEqual(new ResultFormatter().full(engine.result));
  });

  it('dates a multi-timeframe analysis at the latest close of any timeframe, whatever the key order', () => {
    // 300 one-minute candles close at T0+300m; 100 five-minute candles at T0+500m.
    const asOf = Math.max(lastClose(btc1m, MINUTE), lastClose(btc5m, 5 * MINUTE));
    expect(asOf).toBe(lastClose(btc5m, 5 * MINUTE));
    const analysis = onDemand();
    for (const candles of [
      { '1m': btc1m, '5m': btc5m },
      { '5m': btc5m, '1m': btc1m },
    ]) {
      const outcome = analysis.analyze(request(candles));
      const engine = createConfluenceEngine(config).analyzeCandles(request(candles), asOf);
      if (engine.status !== 'ready' || !outcome.ok) throw new Error('expected both ready');
      expect(outcome.result).toEqual(engine.result);
      expect(outcome.result.computedAt).toBe(asOf);
      expect(outcome.result.timeframe).toBe('1m');
    }
  });

  it('ignores an empty timeframe when dating the analysis', () => {
    const outcome = onDemand().analyze(request({ '5m': [], '1m': btc1m }));
    if (!outcome.ok) throw new Error(JSON.stringify(outcome.issues));
    expect(outcome.result.computedAt).toBe(lastClose(btc1m, MINUTE));
  });

  it('gives a different input hash for different candles', () => {
    const analysis = onDemand();
    const base = analysis.analyze(request({ '1m': btc1m }));
    const changed = analysis.analyze(
      request({ '1m': btc1m.map((c, i) => (i === 150 ? { ...c, volume: c.volume + 1 } : c)) }),
    );
    if (!base.ok || !changed.ok) throw new Error('expected both ready');
    expect(changed.result.inputHash).not.toBe(base.result.inputHash);
  });

  it('answers too few candles as an issue on `candles`, naming what the engine needs', () => {
    const outcome = onDemand().analyze(request({ '1m': btc1m.slice(0, warmUp - 1) }));
    expect(outcome).toEqual({
      ok: false,
      issues: [
        {
          field: 'candles',
          message: `too few candles to score: the engine needs at least ${warmUp} in a timeframe (got ${warmUp - 1})`,
        },
      ],
    });
    expect(onDemand().analyze(request({ '1m': btc1m.slice(0, warmUp) })).ok).toBe(true);
  });

  it("passes the engine's refusal of a candle series on as an issue on that timeframe", () => {
    const swapped = [btc1m[1], btc1m[0], ...btc1m.slice(2)].filter((c): c is Candle => c !== undefined);
    const outcome = onDemand().analyze(request({ '1m': swapped }));
    if (outcome.ok) throw new Error('expected a refusal');
    expect(outcome.issues).toHaveLength(1);
    expect(outcome.issues[0]?.field).toBe('candles.1m');
    expect(outcome.issues[0]?.message).not.toBe('');
  });

  it("passes the engine's refusal of market context on as an issue on that field", () => {
    const outcome = onDemand().analyze(
      request({ '1m': btc1m }, { orderBook: { timestamp: -1, bids: [], asks: [] } }),
    );
    if (outcome.ok) throw new Error('expected a refusal');
    expect(outcome.issues.map((issue) => issue.field)).toEqual(['orderBook']);
  });
});

describe('OnDemandAnalysis indicators', () => {
  it("returns every export series under the CLI's names, one value a candle, null before warm-up", () => {
    const { length, indicators } = onDemand().indicators(btc1m);
    expect(length).toBe(btc1m.length);
    expect(Object.keys(indicators)).toEqual(new IndicatorPlan(EXPORT_INDICATORS).names);
    expect(Object.keys(indicators)).toContain('MACD_12_26_9_hist');
    for (const series of Object.values(indicators)) expect(series).toHaveLength(btc1m.length);
    const rsi = indicators.RSI_14 ?? [];
    expect(rsi.slice(0, 14).every((value) => value === null)).toBe(true);
    expect(rsi[14]).toEqual(expect.any(Number));
    const sma = indicators.SMA_20 ?? [];
    expect(sma.slice(0, 19).every((value) => value === null)).toBe(true);
    // SMA 20 by its definition: the mean of the last 20 closes.
    expect(sma[19]).toBeCloseTo(btc1m.slice(0, 20).reduce((sum, c) => sum + c.close, 0) / 20, 9);
    expect(sma[299]).toBeCloseTo(btc1m.slice(280, 300).reduce((sum, c) => sum + c.close, 0) / 20, 9);
  });

  it('equals the plan the CLI uses on the same candles', () => {
    expect(onDemand().indicators(btc1m).indicators).toEqual(
      new IndicatorPlan(EXPORT_INDICATORS).computeSeries(btc1m),
    );
  });

  it('answers empty series for no candles', () => {
    const { length, indicators } = onDemand().indicators([]);
    expect(length).toBe(0);
    expect(Object.keys(indicators)).toEqual(new IndicatorPlan(EXPORT_INDICATORS).names);
    for (const series of Object.values(indicators)) expect(series).toEqual([]);
  });
});
