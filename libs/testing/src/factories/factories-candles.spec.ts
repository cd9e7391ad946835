import 'reflect-metadata';
import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { type Candle, candleProblem } from '@app/confluence';
import { type Timeframe, timeframeToMs } from '@app/contracts';
import { candleSeriesIssues } from '@app/contracts/dto';
import { prng } from '../prng.js';
import { candleFactory, DEFAULT_CANDLE, FACTORY_EPOCH, seriesFactory } from './index.js';

/** Every timeframe whose open times the contracts align to a fixed grid the epoch sits on. */
const ALIGNED_TIMEFRAMES: readonly Timeframe[] = [
  '1m',
  '3m',
  '5m',
  '15m',
  '30m',
  '1h',
  '4h',
  '12h',
  '1d',
  '3d',
];

/** Each broken invariant by name, so a failure says which one. */
function ohlcProblems(candles: readonly Candle[]): string[] {
  return candles.flatMap((c, i) => [
    ...(c.high < Math.max(c.open, c.close) ? [`[${i}] high < max(open, close)`] : []),
    ...(c.low > Math.min(c.open, c.close) ? [`[${i}] low > min(open, close)`] : []),
    ...(c.low > 0 ? [] : [`[${i}] low ≤ 0`]),
    ...(c.volume >= 0 ? [] : [`[${i}] volume < 0`]),
    ...([c.open, c.high, c.low, c.close, c.volume].every(Number.isFinite) ? [] : [`[${i}] not finite`]),
  ]);
}

const spacings = (candles: readonly Candle[]): number[] =>
  candles.slice(1).map((c, i) => c.timestamp - (candles[i] as Candle).timestamp);

afterEach(() => {
  jest.useRealTimers();
  jest.restoreAllMocks();
});

describe('candleFactory', () => {
  it('builds the default candle at the fixed epoch, 2021-02-19T00:00:00Z', () => {
    expect(FACTORY_EPOCH).toBe(1_613_692_800_000);
    expect(new Date(FACTORY_EPOCH).toISOString()).toBe('2021-02-19T00:00:00.000Z');
    expect(candleFactory.build()).toEqual({
      timestamp: FACTORY_EPOCH,
      open: 100,
      high: 102,
      low: 99,
      close: 101,
      volume: 5,
    });
    expect(candleFactory.build()).not.toBe(candleFactory.build());
  });

  it('merges overrides, stretching unset extremes to the body so the candle stays consistent', () => {
    expect(candleFactory.build({ close: 10 })).toEqual({ ...DEFAULT_CANDLE, close: 10, high: 100, low: 10 });
    expect(candleFactory.build({ open: 120 })).toEqual({ ...DEFAULT_CANDLE, open: 120, high: 120, low: 101 });
    expect(candleFactory.build({ close: 110, low: 95 })).toEqual({
      ...DEFAULT_CANDLE,
      close: 110,
      high: 110,
      low: 95,
    });
    expect(candleFactory.build({ timestamp: 0, volume: 0 })).toEqual({
      ...DEFAULT_CANDLE,
      timestamp: 0,
      volume: 0,
    });
  });

  it('keeps an explicit inconsistent extreme as given, for tests of validation', () => {
    const broken = candleFactory.build({ high: 100.5 });
    expect(broken.high).toBe(100.5);
    expect(candleSeriesIssues([broken], 'c', '1m')).toEqual([
      { field: 'c[0].high', message: 'must be ≥ max(open, close)' },
    ]);
  });

  it('stays consistent and valid for any positive open and close (500 seeded draws)', () => {
    const random = prng(11);
    const candles = Array.from({ length: 500 }, () =>
      candleFactory.build({
        ...(random() < 0.7 ? { open: random() * 1e5 + 1e-9 } : {}),
        ...(random() < 0.7 ? { close: random() * 1e5 + 1e-9 } : {}),
      }),
    );
    expect(ohlcProblems(candles)).toEqual([]);
    expect(candles.map((c) => candleProblem(c, '1m')).filter((p) => p !== null)).toEqual([]);
  });

  it('builds lists at contiguous open times, from the given start, one timeframe apart', () => {
    const list = candleFactory.buildList(
      4,
      { timestamp: FACTORY_EPOCH + 3_600_000, close: 10 },
      { timeframe: '5m' },
    );
    expect(list.map((c) => c.timestamp - FACTORY_EPOCH)).toEqual([60, 65, 70, 75].map((m) => m * 60_000));
    expect(list.map((c) => c.close)).toEqual([10, 10, 10, 10]);
    expect(candleFactory.buildList(3).map((c) => c.timestamp - FACTORY_EPOCH)).toEqual([0, 60_000, 120_000]);
    expect(candleFactory.buildList(2, {}, { intervalMs: 7 }).map((c) => c.timestamp - FACTORY_EPOCH)).toEqual(
      [0, 7],
    );
    expect(candleFactory.buildList(0)).toEqual([]);
  });

  it('builds list items per index, whose own timestamp wins', () => {
    const list = candleFactory.buildList(3, (i) => (i === 2 ? { timestamp: 5, close: 1 } : { volume: i }));
    expect(list).toEqual([
      { ...DEFAULT_CANDLE, volume: 0 },
      { ...DEFAULT_CANDLE, timestamp: FACTORY_EPOCH + 60_000, volume: 1 },
      { ...DEFAULT_CANDLE, timestamp: 5, close: 1, high: 100, low: 1 },
    ]);
  });

  it('builds raw candles for validation tests: fields replaced verbatim, nothing stretched', () => {
    expect(candleFactory.raw({ open: 0, close: 'x', trades: 3 })).toEqual({
      ...DEFAULT_CANDLE,
      open: 0,
      close: 'x',
      trades: 3,
    });
    expect(candleFactory.raw()).toEqual(DEFAULT_CANDLE);
  });

  it.each([-1, 1.5, Number.NaN])('refuses a list of %p candles', (count) => {
    expect(() => candleFactory.buildList(count)).toThrow(RangeError);
  });

  it('refuses a spacing that is not a positive number', () => {
    expect(() => candleFactory.buildList(2, {}, { intervalMs: 0 })).toThrow(RangeError);
    expect(() => seriesFactory.flat({ count: 2, intervalMs: -60_000 })).toThrow(RangeError);
  });
});

describe('seriesFactory', () => {
  const series = (timeframe: Timeframe): [string, Candle[]][] => [
    ['fromCloses', seriesFactory.fromCloses([100, 103, 101, 101, 98.5], { timeframe, wick: 0.5 })],
    ['flat', seriesFactory.flat({ count: 30, timeframe, price: 42 })],
    ['trending up', seriesFactory.trending({ count: 30, timeframe, start: 10, step: 0.25 })],
    ['trending down', seriesFactory.trending({ count: 30, timeframe, start: 10, step: -0.25, wick: 0.1 })],
    ['random walk', seriesFactory.randomWalk({ count: 300, timeframe, seed: 3, volatility: 0.05 })],
  ];

  it.each(ALIGNED_TIMEFRAMES)(
    '%s: contiguous, OHLC consistent, and valid for the REST and engine checks',
    (tf) => {
      for (const [name, candles] of series(tf)) {
        expect([name, candles[0]?.timestamp]).toEqual([name, FACTORY_EPOCH]);
        expect([name, spacings(candles)]).toEqual([name, candles.slice(1).map(() => timeframeToMs(tf))]);
        expect([name, ohlcProblems(candles)]).toEqual([name, []]);
        expect([name, candleSeriesIssues(candles, 'c', tf)]).toEqual([name, []]);
        expect([name, candles.map((c) => candleProblem(c, tf)).filter((p) => p !== null)]).toEqual([
          name,
          [],
        ]);
      }
    },
  );

  it('opens each candle at the previous close, with wicks beyond the body', () => {
    expect(seriesFactory.fromCloses([100, 102, 101], { wick: 0.5, volume: 2, startTime: 0 })).toEqual([
      { timestamp: 0, open: 100, high: 100.5, low: 99.5, close: 100, volume: 2 },
      { timestamp: 60_000, open: 100, high: 102.5, low: 99.5, close: 102, volume: 2 },
      { timestamp: 120_000, open: 102, high: 102.5, low: 100.5, close: 101, volume: 2 },
    ]);
  });

  it('opens every candle at its own close when asked, with volume per index', () => {
    const candles = seriesFactory.fromCloses([5, 7], {
      opens: 'close',
      volume: (i) => 10 * i,
      intervalMs: 1,
    });
    expect(candles).toEqual([
      { timestamp: FACTORY_EPOCH, open: 5, high: 5, low: 5, close: 5, volume: 0 },
      { timestamp: FACTORY_EPOCH + 1, open: 7, high: 7, low: 7, close: 7, volume: 10 },
    ]);
  });

  it('builds flat and trending closes exactly', () => {
    const flat = seriesFactory.flat({ count: 3, price: 1e-8 });
    expect(flat.map((c) => [c.open, c.high, c.low, c.close])).toEqual(
      Array(3).fill([1e-8, 1e-8, 1e-8, 1e-8]),
    );
    expect(seriesFactory.trending({ count: 4, start: 100, step: -2 }).map((c) => c.close)).toEqual([
      100, 98, 96, 94,
    ]);
    expect(seriesFactory.trending({ count: 3 }).map((c) => c.close)).toEqual([101, 102, 103]);
  });

  it('refuses a series that would reach a price ≤ 0 or a negative volume', () => {
    expect(() => seriesFactory.trending({ count: 6, start: 5, step: -1 })).toThrow(RangeError);
    expect(() => seriesFactory.flat({ count: 2, price: 1, wick: 1 })).toThrow(RangeError);
    expect(() => seriesFactory.flat({ count: 2, price: 1, volume: -1 })).toThrow(RangeError);
    expect(() => seriesFactory.fromCloses([1, Number.NaN])).toThrow(RangeError);
    expect(() => seriesFactory.randomWalk({ count: 2, seed: 1, volatility: 1 })).toThrow(RangeError);
  });

  it('draws the same random walk from the same seed, and another from another seed', () => {
    const walk = (seed: number) => seriesFactory.randomWalk({ count: 50, seed });
    expect(walk(7)).toEqual(walk(7));
    expect(walk(8)).not.toEqual(walk(7));
    expect(new Set(walk(7).map((c) => c.close)).size).toBeGreaterThan(40);
  });
});
