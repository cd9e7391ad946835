import 'reflect-metadata';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { OmitType } from '@nestjs/swagger';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { WEIGHTS_DEFAULTS } from '@app/config';
import { labelFor } from '@app/confluence';
import { type BusEventName } from '@app/contracts';
import { ANALYZE_CANDLES, AnalyzeRequestDto, validateBusEvent } from '@app/contracts/dto';
import {
  busEventFactory,
  candleFactory,
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

afterEach(() => {
  jest.useRealTimers();
  jest.restoreAllMocks();
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
    // As the gateway's CandleBodyPipe checks it: the candles by hand, the rest by the DTO.
    const { candles, ...rest } = body;
    const dto = plainToInstance(OmitType(AnalyzeRequestDto, ['candles']), rest);
    expect(validateSync(dto, { whitelist: true, forbidNonWhitelisted: true })).toEqual([]);
    expect(ANALYZE_CANDLES.issues(candles, body)).toEqual([]);
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
