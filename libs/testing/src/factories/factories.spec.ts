import 'reflect-metadata';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { WEIGHTS_DEFAULTS } from '@app/config';
import { type Candle, candleProblem, labelFor } from '@app/confluence';
import {
  AnalyzeRequestDto,
  type BusEventName,
  candleSeriesIssues,
  type Timeframe,
  timeframeToMs,
  validateBusEvent,
} from '@app/contracts';
import { prng } from '../prng.js';
import {
  busEventFactory,
  candleFactory,
  DEFAULT_CANDLE,
  derivativesFactory,
  FACTORY_EPOCH,
  FACTORY_THRESHOLDS,
  orderBookFactory,
  seriesFactory,
  signalChangeFactory,
  storedCandleFactory,
  storedOrderBookFactory,
  storedResultFactory,
  tradeFactory,
} from './index.js';

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

describe('orderBookFactory, tradeFactory, derivativesFactory', () => {
  it('sorts given levels best first without touching the caller’s arrays', () => {
    const bids = [
      { price: 99, size: 1 },
      { price: 101, size: 2 },
      { price: 100, size: 3 },
    ];
    const book = orderBookFactory.build({
      timestamp: 5,
      bids,
      asks: [
        { price: 103, size: 1 },
        { price: 102, size: 1 },
      ],
    });
    expect(book.timestamp).toBe(5);
    expect(book.bids.map((l) => l.price)).toEqual([101, 100, 99]);
    expect(book.asks.map((l) => l.price)).toEqual([102, 103]);
    expect(bids.map((l) => l.price)).toEqual([99, 101, 100]);
  });

  it('builds an uncrossed ladder: bids strictly falling, asks strictly rising, around the mid', () => {
    const book = orderBookFactory.build();
    expect(book.bids.map((l) => l.price)).toEqual([99.5, 98.5, 97.5, 96.5, 95.5]);
    expect(book.asks.map((l) => l.price)).toEqual([100.5, 101.5, 102.5, 103.5, 104.5]);
    const deep = orderBookFactory.ladder({ mid: 10, spread: 0.2, levels: 20, tick: 0.1, size: 3 });
    expect(deep.bids).toHaveLength(20);
    expect(deep.bids.slice(1).map((l, i) => l.price - (deep.bids[i]?.price ?? 0))).toEqual(
      Array(19).fill(expect.closeTo(-0.1, 12)),
    );
    expect((deep.asks[0]?.price ?? 0) - (deep.bids[0]?.price ?? 0)).toBeCloseTo(0.2, 12);
    expect(deep.asks.every((l) => l.size === 3)).toBe(true);
    expect(() => orderBookFactory.ladder({ mid: 2, levels: 5 })).toThrow(RangeError);
  });

  it('builds a tape oldest first, one spacing apart, ending at the given time', () => {
    expect(
      tradeFactory.tape(
        [
          ['buy', 1],
          ['sell', 2],
          ['buy', 0.5],
        ],
        { end: 10_000, spacingMs: 500, price: 7 },
      ),
    ).toEqual([
      { timestamp: 9_000, price: 7, size: 1, side: 'buy' },
      { timestamp: 9_500, price: 7, size: 2, side: 'sell' },
      { timestamp: 10_000, price: 7, size: 0.5, side: 'buy' },
    ]);
    expect(tradeFactory.build({ side: 'sell' })).toEqual({
      timestamp: FACTORY_EPOCH,
      price: 100,
      size: 1,
      side: 'sell',
    });
  });

  it('builds full derivatives snapshots, and sparse open-interest ones', () => {
    expect(derivativesFactory.build({ fundingRate: -0.01 })).toEqual({
      timestamp: FACTORY_EPOCH,
      fundingRate: -0.01,
      openInterest: 10_000,
      longShortRatio: 1.2,
      liquidations: { long: 0, short: 0 },
    });
    expect(derivativesFactory.openInterest(5, 1_000)).toEqual({ timestamp: 5, openInterest: 1_000 });
  });

  it('builds a request body the REST contract accepts whole', () => {
    const body = {
      symbol: 'BTC/USDT',
      exchange: 'binance',
      candles: {
        '1m': seriesFactory.randomWalk({ count: 60, seed: 1 }),
        '5m': seriesFactory.trending({ count: 12, timeframe: '5m' }),
      },
      orderBook: orderBookFactory.build(),
      trades: tradeFactory.tape([
        ['buy', 1],
        ['sell', 2],
      ]),
      derivatives: [derivativesFactory.build(), derivativesFactory.openInterest(FACTORY_EPOCH, 1)],
    };
    const dto = plainToInstance(AnalyzeRequestDto, body);
    expect(validateSync(dto, { whitelist: true, forbidNonWhitelisted: true })).toEqual([]);
  });
});

describe('busEventFactory', () => {
  const payloads: [BusEventName, object][] = [
    ['market.candle.closed', busEventFactory.candleClosed()],
    [
      'market.candle.closed',
      busEventFactory.candleClosed({ timeframe: '4h', source: 'replay', candle: { close: 1 } }),
    ],
    ['market.orderbook.snapshot', busEventFactory.orderBookSnapshot()],
    ['market.orderbook.snapshot', busEventFactory.orderBookSnapshot({ sequence: 12, symbol: 'ETH/USDT' })],
    ['market.trades.batch', busEventFactory.tradesBatch()],
    ['market.trades.batch', busEventFactory.tradesBatch({ trades: tradeFactory.tape([['sell', 3]]) })],
    ['market.derivatives.snapshot', busEventFactory.derivativesSnapshot()],
    [
      'market.derivatives.snapshot',
      busEventFactory.derivativesSnapshot({ exchange: 'bybit', openInterest: 0 }),
    ],
    ['confluence.updated', busEventFactory.confluenceUpdated()],
    [
      'confluence.updated',
      busEventFactory.confluenceUpdated({ score: 99.5, components: { sentiment: null } }),
    ],
    ['signal.changed', busEventFactory.signalChanged()],
    ['signal.changed', busEventFactory.signalChanged({ from: 'LONG', score: 12 })],
  ];

  it.each(payloads)('%s payload passes the contract’s validation whole', (name, payload) => {
    const validated = validateBusEvent(name, payload);
    expect(validated).toEqual({ ok: true, value: expect.anything() });
    // Nothing stripped or converted on the way through the payload class.
    if (validated.ok) expect(validated.value).toEqual(payload);
  });

  it('is checked by a validation that does refuse a broken payload', () => {
    const event = busEventFactory.candleClosed();
    expect(
      validateBusEvent('market.candle.closed', { ...event, candle: { ...event.candle, high: -1 } }),
    ).toEqual({
      ok: false,
      errors: [expect.stringMatching(/^candle\.high: /)],
    });
    expect(
      validateBusEvent('confluence.updated', { ...busEventFactory.confluenceUpdated(), extra: 1 }).ok,
    ).toBe(false);
  });

  it('emits market events when their data is complete: a candle at its close, a snapshot at its time', () => {
    const closed = busEventFactory.candleClosed({ timeframe: '5m', candle: { timestamp: FACTORY_EPOCH } });
    expect(closed.emittedAt).toBe(FACTORY_EPOCH + 5 * 60_000);
    expect(busEventFactory.orderBookSnapshot({ timestamp: 7 }).emittedAt).toBe(7);
    expect(
      busEventFactory.tradesBatch({ trades: tradeFactory.tape([['buy', 1]], { end: FACTORY_EPOCH + 9 }) })
        .emittedAt,
    ).toBe(FACTORY_EPOCH + 9);
    expect('sequence' in busEventFactory.orderBookSnapshot()).toBe(false);
  });

  it('orders a result’s times: input at the candle close, then computed, then published', () => {
    const result = busEventFactory.confluenceUpdated({ candleTime: FACTORY_EPOCH, timeframe: '1h' });
    expect(result.inputEmittedAt).toBe(FACTORY_EPOCH + 3_600_000);
    expect(result.computedAt).toBeGreaterThan(result.inputEmittedAt);
    expect(result.emittedAt).toBeGreaterThanOrEqual(result.computedAt);
    expect(busEventFactory.confluenceUpdated({ candleTime: 1 }).inputHash).not.toBe(result.inputHash);
  });
});

describe('labels follow scores', () => {
  it('uses the shipped thresholds', () => {
    expect(FACTORY_THRESHOLDS).toEqual(WEIGHTS_DEFAULTS.thresholds);
  });

  it('agrees with the engine’s labelFor on every half point of 0–100, in every factory that labels', () => {
    for (let score = 0; score <= 100; score += 0.5) {
      const expected = labelFor(score, WEIGHTS_DEFAULTS.thresholds);
      expect([score, busEventFactory.confluenceUpdated({ score }).label]).toEqual([score, expected]);
      expect([score, busEventFactory.signalChanged({ score }).to]).toEqual([score, expected]);
      expect([score, storedResultFactory.build({ score }).label]).toEqual([score, expected]);
      expect([score, signalChangeFactory.build({ score }).to]).toEqual([score, expected]);
    }
  });
});

describe('stored factories', () => {
  it('builds a result computed at its candle’s close, with a hash of the contract’s form', () => {
    const result = storedResultFactory.build({
      timeframe: '5m',
      candleTime: FACTORY_EPOCH + 300_000,
      score: 61,
    });
    expect(result).toMatchObject({
      exchange: 'binance',
      symbol: 'BTC/USDT',
      timeframe: '5m',
      computedAt: FACTORY_EPOCH + 600_000,
      label: 'LONG',
    });
    expect(result.inputHash).toMatch(/^[0-9a-f]{64}$/);
    expect(result.configHash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('builds stored candles and books with the candle and book factories’ rules', () => {
    const candle = storedCandleFactory.build({ symbol: 'LTC/USDT', close: 50, source: 'replay' });
    expect(candle).toEqual({
      exchange: 'binance',
      symbol: 'LTC/USDT',
      timeframe: '1m',
      ...candleFactory.build({ close: 50 }),
      source: 'replay',
    });
    const book = storedOrderBookFactory.build({
      asks: [
        { price: 3, size: 1 },
        { price: 2, size: 1 },
      ],
    });
    expect(book.asks.map((l) => l.price)).toEqual([2, 3]);
    expect(book).toMatchObject({ sequence: null, source: 'live', timestamp: FACTORY_EPOCH });
  });
});

describe('determinism', () => {
  const everything = (): unknown[] => [
    candleFactory.build(),
    candleFactory.buildList(3),
    seriesFactory.randomWalk({ count: 20, seed: 5 }),
    seriesFactory.trending({ count: 3 }),
    orderBookFactory.build(),
    tradeFactory.tape([['buy', 1]]),
    derivativesFactory.build(),
    ...Object.values(busEventFactory).map((build) => build()),
    storedResultFactory.build(),
    storedCandleFactory.build(),
    storedOrderBookFactory.build(),
    signalChangeFactory.build(),
  ];

  it('builds the same data whatever the clock says, and never draws from Math.random', () => {
    const random = jest.spyOn(Math, 'random');
    jest.useFakeTimers({ now: Date.UTC(2030, 0, 1) });
    const first = everything();
    jest.setSystemTime(Date.UTC(1999, 5, 6));
    expect(everything()).toEqual(first);
    expect(random).not.toHaveBeenCalled();
  });
});

describe('cheap to load', () => {
  const dir = import.meta.dirname;
  /** Leaf modules (they import nothing) that factories may load for a value. */
  const VALUE_IMPORTS = new Set(['../prng.js', '../../../contracts/src/timeframe.js']);

  it('imports only types from the libs, and values only from leaf files', () => {
    const sources = readdirSync(dir).filter((file) => file.endsWith('.ts') && !file.endsWith('.spec.ts'));
    expect(sources).toContain('candles.ts');
    const offending = sources.flatMap((file) =>
      [
        ...readFileSync(path.join(dir, file), 'utf8').matchAll(
          /^(?:import|export)\s+(type\s+)?(?:[^;]*?from\s+)?'([^']+)'/gms,
        ),
      ]
        .filter(([, typeOnly, specifier = '']) => typeOnly === undefined && !specifier.startsWith('./'))
        .map(([, , specifier = '']) => specifier)
        .filter((specifier) => !VALUE_IMPORTS.has(specifier))
        .map((specifier) => `${file}: ${specifier}`),
    );
    expect(offending).toEqual([]);
    for (const leaf of VALUE_IMPORTS)
      expect([leaf, readFileSync(path.resolve(dir, leaf.replace(/\.js$/, '.ts')), 'utf8')]).toEqual([
        leaf,
        expect.not.stringMatching(/^\s*(import|export .* from)/m),
      ]);
  });
});
