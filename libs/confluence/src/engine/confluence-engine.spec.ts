import { describe, expect, it } from '@jest/globals';
import { type ConfigShape, INDICATORS_DEFAULTS, WEIGHTS_DEFAULTS, type WeightsConfig } from '@app/config';
import { loadMarketCandles, MARKET_FILES } from '@app/testing';
import type { Candle, MarketKey, OrderBookSnapshot } from '../domain/market-data.types.js';
import { engineIndicators } from '../indicators/engine-indicators.js';
import type { CandleAnalysisOutcome, ConfluenceEngine } from './confluence-engine.js';
import type { AnalysisOutcome, ConfluenceResult } from './confluence-result.types.js';
import { createConfluenceEngine } from './create-engine.js';

const BTC_1M: MarketKey = { exchange: 'binance', symbol: 'BTC/USDT', timeframe: '1m' };
const BTC_5M: MarketKey = { ...BTC_1M, timeframe: '5m' };
const btc1m = loadMarketCandles(MARKET_FILES.btc1m, 400);
const btc5m = loadMarketCandles(MARKET_FILES.btc5m, 120);
const WARM_UP = engineIndicators(INDICATORS_DEFAULTS).plan.warmUp;

const engineWith = (weights: ConfigShape<WeightsConfig> = WEIGHTS_DEFAULTS) =>
  createConfluenceEngine({ indicators: INDICATORS_DEFAULTS, weights });

function ready(outcome: CandleAnalysisOutcome): ConfluenceResult {
  if (outcome.status !== 'ready') throw new Error(`expected a result, got ${JSON.stringify(outcome)}`);
  return outcome.result;
}

function feed(engine: ConfluenceEngine, key: MarketKey, candles: readonly Candle[]): AnalysisOutcome {
  let outcome: AnalysisOutcome = { status: 'warming-up', candles: 0, required: WARM_UP };
  for (const candle of candles) {
    expect(engine.addCandle(key, candle)).toEqual({ accepted: true });
    outcome = engine.analyze(key, candle.timestamp + 60_000);
  }
  return outcome;
}

const book = (timestamp: number, mid: number, bidSize: number, askSize: number): OrderBookSnapshot => ({
  timestamp,
  bids: [1, 2, 3, 4, 5].map((i) => ({ price: mid - i, size: bidSize })),
  asks: [1, 2, 3, 4, 5].map((i) => ({ price: mid + i, size: askSize })),
});

describe('ConfluenceEngine warm-up', () => {
  it('reports warming-up with progress until every indicator is ready, then scores', () => {
    const engine = engineWith();
    const before = feed(engine, BTC_1M, btc1m.slice(0, WARM_UP - 1));
    expect(before).toEqual({ status: 'warming-up', candles: WARM_UP - 1, required: WARM_UP });
    const after = feed(engine, BTC_1M, btc1m.slice(WARM_UP - 1, WARM_UP));
    expect(after.status).toBe('ready');
  });
});

describe('ConfluenceEngine feeding', () => {
  it('rejects duplicate, out-of-order and invalid candles without touching state', () => {
    const engine = engineWith();
    const first = ready(feed(engine, BTC_1M, btc1m.slice(0, 100)));
    const last = btc1m[99]!;
    expect(engine.addCandle(BTC_1M, last)).toMatchObject({ accepted: false, reason: 'duplicate' });
    expect(engine.addCandle(BTC_1M, btc1m[50]!)).toMatchObject({ accepted: false, reason: 'out-of-order' });
    const invalid: Candle[] = [
      { ...btc1m[100]!, high: btc1m[100]!.low - 1 },
      { ...btc1m[100]!, close: Number.NaN },
      { ...btc1m[100]!, volume: -1 },
      { ...btc1m[100]!, timestamp: btc1m[100]!.timestamp + 1 },
      { ...btc1m[100]!, open: 0 },
    ];
    for (const candle of invalid)
      expect(engine.addCandle(BTC_1M, candle)).toMatchObject({ accepted: false, reason: 'invalid' });
    const again = ready(engine.analyze(BTC_1M, last.timestamp + 60_000));
    expect(again.inputHash).toBe(first.inputHash);
    expect(again.score).toBe(first.score);
    expect(engine.readiness(BTC_1M).candles).toBe(100);
  });

  it('rebuilds from a batch to exactly the state streaming reaches', () => {
    const streamed = engineWith();
    const fromStream = ready(feed(streamed, BTC_1M, btc1m));
    const rebuilt = engineWith();
    expect(rebuilt.rebuild(BTC_1M, btc1m)).toEqual({ accepted: true });
    const fromRebuild = ready(rebuilt.analyze(BTC_1M, btc1m.at(-1)!.timestamp + 60_000));
    expect(fromRebuild).toEqual(fromStream);
    // And it goes on streaming from there.
    const next = { ...btc1m.at(-1)!, timestamp: btc1m.at(-1)!.timestamp + 60_000 };
    expect(rebuilt.addCandle(BTC_1M, next)).toEqual({ accepted: true });
  });

  it('refuses a rebuild with a bad or unsorted candle and keeps the old state', () => {
    const engine = engineWith();
    const before = ready(feed(engine, BTC_1M, btc1m.slice(0, 100)));
    const unsorted = [...btc1m.slice(0, 10), btc1m[5]!];
    expect(engine.rebuild(BTC_1M, unsorted)).toMatchObject({
      accepted: false,
      reason: 'out-of-order',
      detail: expect.stringContaining('candles[10]'),
    });
    expect(engine.rebuild(BTC_1M, [{ ...btc1m[0]!, low: -1 }])).toMatchObject({
      accepted: false,
      reason: 'invalid',
    });
    expect(ready(engine.analyze(BTC_1M, 0)).inputHash).toBe(before.inputHash);
  });

  it('rejects a malformed or older order book, trades and derivatives with a reason', () => {
    const engine = engineWith();
    const market = { exchange: 'binance', symbol: 'BTC/USDT' };
    const o = engine;
    expect(o.updateOrderBook(market, book(2000, 100, 1, 1))).toEqual({ accepted: true });
    expect(o.updateOrderBook(market, book(1000, 100, 1, 1))).toMatchObject({ reason: 'out-of-order' });
    expect(
      o.updateOrderBook(market, {
        timestamp: 3000,
        bids: [
          { price: 1, size: 1 },
          { price: 2, size: 1 },
        ],
        asks: [],
      }),
    ).toMatchObject({
      reason: 'invalid',
      detail: expect.stringContaining('bids'),
    });
    expect(o.addTrades(market, [{ timestamp: 1, price: 1, size: 0, side: 'buy' }])).toMatchObject({
      reason: 'invalid',
    });
    expect(
      o.addTrades(market, [
        { timestamp: 5, price: 1, size: 1, side: 'buy' },
        { timestamp: 4, price: 1, size: 1, side: 'sell' },
      ]),
    ).toMatchObject({ reason: 'out-of-order' });
    expect(o.updateDerivatives(market, { timestamp: 1, longShortRatio: 0 })).toMatchObject({
      reason: 'invalid',
    });
    expect(o.updateDerivatives(market, { timestamp: 2, fundingRate: 0.0001 })).toEqual({ accepted: true });
    expect(o.updateDerivatives(market, { timestamp: 2, fundingRate: 0.0001 })).toMatchObject({
      reason: 'out-of-order',
    });
  });
});

describe('ConfluenceEngine results', () => {
  it('scores within 0–100 with a label from the thresholds, coverage < 1 without book and flow', () => {
    const result = ready(feed(engineWith(), BTC_1M, btc1m));
    expect(result.score).toBeGreaterThanOrEqual(0);
    expect(result.score).toBeLessThanOrEqual(100);
    expect(result.label).toBe(result.score >= 60 ? 'LONG' : result.score <= 40 ? 'SHORT' : 'NEUTRAL');
    const own = result.timeframes[0]!;
    expect(own.components.find((c) => c.component === 'orderBook')).toMatchObject({
      available: false,
      score: null,
    });
    expect(result.coverage).toBeGreaterThan(0);
    expect(result.coverage).toBeLessThan(0.5);
    expect(result.engineVersion).toMatch(/^\d+\.\d+\.\d+$/);
    expect(result.indicators['1m']).toHaveProperty('RSI_14', expect.any(Number));
  });

  it('raises coverage and renormalises when an order book arrives', () => {
    const engine = engineWith();
    const without = ready(feed(engine, BTC_1M, btc1m));
    const mid = btc1m.at(-1)!.close;
    engine.updateOrderBook(
      { exchange: 'binance', symbol: 'BTC/USDT' },
      book(btc1m.at(-1)!.timestamp, mid, 30, 1),
    );
    const withBook = ready(engine.analyze(BTC_1M, btc1m.at(-1)!.timestamp + 60_000));
    expect(withBook.coverage).toBeGreaterThan(without.coverage);
    const components = withBook.timeframes[0]!.components;
    expect(components.find((c) => c.component === 'orderBook')!.score).toBeGreaterThan(50);
    expect(components.reduce((s, c) => s + c.effectiveWeight, 0)).toBeCloseTo(1, 12);
    expect(withBook.inputHash).not.toBe(without.inputHash);
  });

  it('combines a 1m close with the latest 5m reading and shows its staleness', () => {
    const engine = engineWith();
    const fiveMinute = ready(feed(engine, BTC_5M, btc5m));
    const lastFive = btc5m.at(-1)!;
    const oneMinute = btc1m.filter((c) => c.timestamp < lastFive.timestamp + 5 * 60_000).slice(-WARM_UP - 20);
    const result = ready(feed(engine, BTC_1M, oneMinute));
    expect(result.timeframes.map((t) => t.timeframe).sort()).toEqual(['1m', '5m']);
    expect(result.timeframeWeights).toEqual({ '1m': 0.4, '5m': 0.6 });
    const fiveInResult = result.timeframes.find((t) => t.timeframe === '5m')!;
    expect(fiveInResult.score).toBe(fiveMinute.timeframes[0]!.score);
    expect(result.score).toBeCloseTo(
      0.4 * result.timeframes.find((t) => t.timeframe === '1m')!.score + 0.6 * fiveInResult.score,
      10,
    );
  });

  it('applies per-symbol thresholds (LTC/USDT 35/65 in the shipped weights)', () => {
    const weights: ConfigShape<WeightsConfig> = {
      ...WEIGHTS_DEFAULTS,
      overrides: { 'LTC/USDT': { thresholds: { short: 35, long: 65 } } },
    };
    const ltc = loadMarketCandles(MARKET_FILES.ltc1m, 300);
    const result = ready(
      feed(engineWith(weights), { exchange: 'binance', symbol: 'LTC/USDT', timeframe: '1m' }, ltc),
    );
    expect(result.thresholds).toEqual({ short: 35, long: 65 });
  });
});

describe('ConfluenceEngine replay identity', () => {
  it('gives the same input hash for the same candles streamed, rebuilt or posted as a batch', () => {
    const streamed = ready(feed(engineWith(), BTC_1M, btc1m));
    const batch = engineWith().analyzeCandles(
      { exchange: 'binance', symbol: 'BTC/USDT', candles: { '1m': btc1m } },
      btc1m.at(-1)!.timestamp + 60_000,
    );
    if (batch.status !== 'ready') throw new Error(batch.status);
    expect(batch.result.inputHash).toBe(streamed.inputHash);
    expect(batch.result.configHash).toBe(streamed.configHash);
    // Batch kernels and streaming agree to rounding, so the scores do too.
    expect(batch.result.score).toBeCloseTo(streamed.score, 8);
  });

  it('changes the input hash when any candle changes, and the config hash when a weight does', () => {
    const base = ready(feed(engineWith(), BTC_1M, btc1m));
    const altered = btc1m.map((c, i) => (i === 10 ? { ...c, volume: c.volume + 1 } : c));
    expect(ready(feed(engineWith(), BTC_1M, altered)).inputHash).not.toBe(base.inputHash);
    const reweighted = { ...WEIGHTS_DEFAULTS, thresholds: { short: 30, long: 70 } };
    expect(ready(feed(engineWith(reweighted), BTC_1M, btc1m)).configHash).not.toBe(base.configHash);
  });

  it('does not depend on the order weights are written in (same score, same config hash)', () => {
    const reversed: ConfigShape<WeightsConfig> = {
      ...WEIGHTS_DEFAULTS,
      components: Object.fromEntries(
        Object.entries(WEIGHTS_DEFAULTS.components).reverse(),
      ) as ConfigShape<WeightsConfig>['components'],
      timeframes: { '5m': 0.6, '1m': 0.4 },
    };
    const a = ready(feed(engineWith(), BTC_1M, btc1m));
    const b = ready(feed(engineWith(reversed), BTC_1M, btc1m));
    expect(b.score).toBe(a.score);
    expect(b.configHash).toBe(a.configHash);
  });

  it('names a posted multi-timeframe analysis after its shortest timeframe, combining the longer ones', () => {
    const outcome = engineWith().analyzeCandles(
      { exchange: 'binance', symbol: 'BTC/USDT', candles: { '5m': btc5m, '1m': btc1m.slice(0, 100) } },
      0,
    );
    const result = ready(outcome);
    expect(result.timeframe).toBe('1m');
    expect(result.timeframes.map((t) => t.timeframe).sort()).toEqual(['1m', '5m']);
  });

  it('reports a rejected field and warm-up for batch requests it cannot score', () => {
    const engine = engineWith();
    const bad = engine.analyzeCandles(
      { exchange: 'x', symbol: 'Y/Z', candles: { '1m': [btc1m[1]!, btc1m[0]!] } },
      0,
    );
    expect(bad).toMatchObject({ status: 'rejected', field: 'candles.1m' });
    const short = engine.analyzeCandles(
      { exchange: 'x', symbol: 'Y/Z', candles: { '1m': btc1m.slice(0, 5) } },
      0,
    );
    expect(short).toEqual({ status: 'warming-up', candles: 5, required: WARM_UP });
    const badBook = engine.analyzeCandles(
      {
        exchange: 'x',
        symbol: 'Y/Z',
        candles: { '1m': btc1m },
        orderBook: { timestamp: -1, bids: [], asks: [] },
      },
      0,
    );
    expect(badBook).toMatchObject({ status: 'rejected', field: 'orderBook' });
    // Past the one time range (year 9999): a date no store or formatter can hold.
    const lateTrade = engine.analyzeCandles(
      {
        exchange: 'x',
        symbol: 'Y/Z',
        candles: { '1m': btc1m },
        trades: [{ timestamp: 9e15, price: 1, size: 1, side: 'buy' }],
      },
      0,
    );
    expect(lateTrade).toMatchObject({ status: 'rejected', field: 'trades' });
  });
});

describe('IndicatorOrchestrator bookkeeping', () => {
  it('lists and removes streams', () => {
    const engine = engineWith();
    feed(engine, BTC_1M, btc1m.slice(0, 3));
    feed(engine, BTC_5M, btc5m.slice(0, 3));
    expect(engine.streams()).toEqual([BTC_1M, BTC_5M]);
    engine.remove(BTC_1M);
    expect(engine.streams()).toEqual([BTC_5M]);
    expect(engine.indicatorSnapshot(BTC_1M)).toBeNull();
  });
});
