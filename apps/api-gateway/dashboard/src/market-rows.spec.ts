import { describe, expect, it } from '@jest/globals';
import { filterRows, type MarketRow, rowOf, sortRows, withResult, withUpdate } from './market-rows.js';
import type { FullResult, LiveUpdate, StreamView } from './types.js';

const VIEW: StreamView = {
  exchange: 'binance',
  symbol: 'BTC/USDT',
  timeframe: '1m',
  status: 'warm',
  source: 'replay',
  lastCandleTime: null,
  candlesSeen: 10,
};
const T = Date.UTC(2021, 1, 19, 15, 30);

const result = (overrides: Partial<FullResult> = {}): FullResult => ({
  ...VIEW,
  candleTime: new Date(T).toISOString(),
  computedAt: new Date(T + 60_000).toISOString(),
  score: 78,
  label: 'LONG',
  confidence: 35.6,
  coverage: 0.414,
  stalenessMs: 1200,
  thresholds: { short: 40, long: 60 },
  reasoning: 'why',
  source: 'replay',
  timeframes: [
    {
      timeframe: '5m',
      score: 70,
      label: 'LONG',
      coverage: 0.4,
      components: [
        {
          component: 'volume',
          available: true,
          score: 11,
          weight: 0.18,
          effectiveWeight: 0.36,
          coverage: 1,
          subScores: [],
          missing: {},
        },
      ],
    },
    {
      timeframe: '1m',
      score: 80,
      label: 'LONG',
      coverage: 0.41,
      components: [
        {
          component: 'volume',
          available: true,
          score: 86,
          weight: 0.18,
          effectiveWeight: 0.36,
          coverage: 1,
          subScores: [],
          missing: {},
        },
        {
          component: 'orderFlow',
          available: false,
          score: null,
          weight: 0.3,
          effectiveWeight: 0,
          coverage: 0,
          subScores: [],
          missing: {},
        },
      ],
    },
  ],
  ...overrides,
});

const update = (overrides: Partial<LiveUpdate> = {}): LiveUpdate => ({
  exchange: 'binance',
  symbol: 'BTC/USDT',
  timeframe: '1m',
  source: 'live',
  candleTime: T + 60_000,
  // Computed 2.5 s after the candle closed.
  computedAt: T + 120_000 + 2500,
  score: 41,
  label: 'NEUTRAL',
  confidence: 9,
  coverage: 0.17,
  components: {
    orderFlow: null,
    orderBook: null,
    volume: 44,
    priceStructure: 50,
    technical: 38,
    sentiment: 61,
  },
  reasoning: 'why',
  ...overrides,
});

describe('market rows', () => {
  it("takes a full result's headline and its own timeframe's component scores", () => {
    const row = withResult(rowOf(VIEW), result());
    expect(row).toMatchObject({
      key: 'binance:BTC/USDT:1m',
      score: 78,
      label: 'LONG',
      confidence: 35.6,
      coverage: 0.414,
      stalenessMs: 1200,
      candleTime: T,
    });
    expect(row.components).toEqual({
      orderFlow: null,
      orderBook: null,
      volume: 86,
      priceStructure: null,
      technical: null,
      sentiment: null,
    });
  });

  it('takes a live update, its staleness the time from the candle’s close to the computation', () => {
    const row = withUpdate(withResult(rowOf(VIEW), result()), update());
    expect(row).toMatchObject({
      score: 41,
      label: 'NEUTRAL',
      source: 'live',
      candleTime: T + 60_000,
      stalenessMs: 2500,
    });
    expect(row.components.volume).toBe(44);
  });

  it('keeps a newer result over an older one that arrives late (a REST answer losing the race with the socket)', () => {
    const live = withUpdate(rowOf(VIEW), update());
    expect(withResult(live, result())).toBe(live);
    expect(withUpdate(live, update({ candleTime: T, score: 1 }))).toBe(live);
    expect(withUpdate(live, update({ score: 42 })).score).toBe(42);
  });

  const rows: MarketRow[] = [
    { ...rowOf(VIEW), score: 50, label: 'NEUTRAL' },
    { ...rowOf({ ...VIEW, timeframe: '5m' }), score: 70, label: 'LONG', key: 'b' },
    { ...rowOf({ ...VIEW, symbol: 'LTC/USDT' }), score: null, label: null, key: 'c', status: 'warming-up' },
    { ...rowOf({ ...VIEW, symbol: 'ETH/USDT', exchange: 'bybit' }), score: 20, label: 'SHORT', key: 'd' },
  ];
  const order = (sorted: MarketRow[]) => sorted.map((row) => `${row.symbol} ${row.timeframe}`);

  it('sorts by a column either way, rows without a value last, ties by market', () => {
    expect(order(sortRows(rows, 'score', 'desc'))).toEqual([
      'BTC/USDT 5m',
      'BTC/USDT 1m',
      'ETH/USDT 1m',
      'LTC/USDT 1m',
    ]);
    expect(order(sortRows(rows, 'score', 'asc'))).toEqual([
      'ETH/USDT 1m',
      'BTC/USDT 1m',
      'BTC/USDT 5m',
      'LTC/USDT 1m',
    ]);
    expect(order(sortRows(rows, 'label', 'asc'))).toEqual([
      'ETH/USDT 1m',
      'BTC/USDT 1m',
      'BTC/USDT 5m',
      'LTC/USDT 1m',
    ]);
    expect(order(sortRows(rows, 'market', 'asc'))).toEqual([
      'BTC/USDT 1m',
      'BTC/USDT 5m',
      'ETH/USDT 1m',
      'LTC/USDT 1m',
    ]);
  });

  it('filters on every word, across market, label, source and status', () => {
    expect(order(filterRows(rows, 'btc'))).toEqual(['BTC/USDT 1m', 'BTC/USDT 5m']);
    expect(order(filterRows(rows, ' BTC   long '))).toEqual(['BTC/USDT 5m']);
    expect(order(filterRows(rows, 'bybit'))).toEqual(['ETH/USDT 1m']);
    expect(order(filterRows(rows, 'warming'))).toEqual(['LTC/USDT 1m']);
    expect(filterRows(rows, '')).toHaveLength(4);
    expect(filterRows(rows, 'doge')).toEqual([]);
  });
});
