import { describe, expect, it } from '@jest/globals';
import { type DataSource, type Signal } from '@app/contracts';
import {
  CandleClosedEvent,
  ConfluenceUpdatedEvent,
  type EventData,
  validatePayload,
} from '@app/contracts/dto';
import { busEventFactory, ManualClock } from '@app/testing';
import { MarketBoard, type StreamRef } from './market-board.js';

const T0 = Date.UTC(2024, 2, 4, 12, 0);
const MINUTE = 60_000;

const BTC_1M: StreamRef = { exchange: 'binance', symbol: 'BTC/USDT', timeframe: '1m' };
const BTC_5M: StreamRef = { exchange: 'binance', symbol: 'BTC/USDT', timeframe: '5m' };
const BTC_1H: StreamRef = { exchange: 'binance', symbol: 'BTC/USDT', timeframe: '1h' };
const LTC_1M: StreamRef = { exchange: 'binance', symbol: 'LTC/USDT', timeframe: '1m' };
const KRAKEN_1M: StreamRef = { exchange: 'kraken', symbol: 'BTC/USD', timeframe: '1m' };

/** A valid bus event, as the bus hands it over: validated into its class. */
function event<T extends object>(payloadClass: new () => T, data: EventData<T>): T {
  const validated = validatePayload(payloadClass, data);
  if (!validated.ok) throw new Error(validated.errors.join('; '));
  return validated.value;
}

/** A closed candle of `stream` opening at `timestamp`, as the board receives it from the bus. */
function candleClosed(stream: StreamRef, timestamp: number, source: DataSource = 'live'): CandleClosedEvent {
  return event(CandleClosedEvent, busEventFactory.candleClosed({ ...stream, source, candle: { timestamp } }));
}

function result(
  stream: StreamRef,
  candleTime: number,
  score: number,
  label: Signal = 'NEUTRAL',
  source: DataSource = 'live',
): ConfluenceUpdatedEvent {
  return event(
    ConfluenceUpdatedEvent,
    busEventFactory.confluenceUpdated({ ...stream, source, candleTime, score, label }),
  );
}

function board(
  tracked: readonly StreamRef[],
  staleAfterIntervals = 3,
): { board: MarketBoard; clock: ManualClock } {
  const clock = new ManualClock(T0);
  return { board: new MarketBoard(tracked, staleAfterIntervals, () => clock.now()), clock };
}

function view(market: MarketBoard, stream: StreamRef) {
  const found = market
    .list()
    .find(
      (v) => v.exchange === stream.exchange && v.symbol === stream.symbol && v.timeframe === stream.timeframe,
    );
  if (found === undefined) throw new Error(`no view of ${stream.symbol} ${stream.timeframe}`);
  return found;
}

describe('MarketBoard list', () => {
  it('lists every tracked stream as waiting, with nothing seen, sorted by stream', () => {
    const { board: market } = board([LTC_1M, KRAKEN_1M, BTC_5M, BTC_1M]);
    expect(market.list()).toEqual(
      [BTC_1M, BTC_5M, LTC_1M, KRAKEN_1M].map((stream) => ({
        ...stream,
        status: 'waiting',
        source: null,
        lastCandleTime: null,
        lastCandleAgeSeconds: null,
        candlesSeen: 0,
        lastResult: null,
      })),
    );
  });

  it('lists a tracked stream once even when configured twice', () => {
    const { board: market } = board([BTC_1M, { ...BTC_1M }]);
    expect(market.list()).toHaveLength(1);
  });

  it('marks a stream warming-up once candles arrive, with their time, age and source', () => {
    const { board: market, clock } = board([BTC_1M]);
    market.onCandle(candleClosed(BTC_1M, T0 - MINUTE, 'replay'));
    market.onCandle(candleClosed(BTC_1M, T0, 'replay'));
    clock.advance(1500);
    expect(view(market, BTC_1M)).toEqual({
      ...BTC_1M,
      status: 'warming-up',
      source: 'replay',
      lastCandleTime: new Date(T0).toISOString(),
      lastCandleAgeSeconds: 1.5,
      candlesSeen: 2,
      lastResult: null,
    });
  });

  it('marks a stream warm once it has a result, reporting the newest one', () => {
    const { board: market } = board([BTC_1M]);
    market.onCandle(candleClosed(BTC_1M, T0));
    market.onResult(result(BTC_1M, T0, 72.5, 'LONG'));
    expect(view(market, BTC_1M)).toMatchObject({
      status: 'warm',
      lastResult: { candleTime: new Date(T0).toISOString(), score: 72.5, label: 'LONG' },
    });
  });

  it('keeps the newest result when an older one arrives late, and takes a newer score of the same candle', () => {
    const { board: market } = board([BTC_1M]);
    market.onResult(result(BTC_1M, T0, 60));
    market.onResult(result(BTC_1M, T0 - MINUTE, 10, 'SHORT'));
    expect(view(market, BTC_1M).lastResult).toEqual({
      candleTime: new Date(T0).toISOString(),
      score: 60,
      label: 'NEUTRAL',
    });
    // A refresh of the same candle (fresher order book) replaces it.
    market.onResult(result(BTC_1M, T0, 75, 'LONG'));
    expect(view(market, BTC_1M).lastResult).toMatchObject({ score: 75, label: 'LONG' });
  });

  it('calls a stream with a result but no candle seen by this gateway warm', () => {
    const { board: market } = board([BTC_1M]);
    market.onResult(result(BTC_1M, T0, 50));
    expect(view(market, BTC_1M)).toMatchObject({ status: 'warm', lastCandleTime: null, candlesSeen: 0 });
  });

  it('counts a late, older candle without moving the newest time or its arrival', () => {
    const { board: market, clock } = board([BTC_1M]);
    market.onCandle(candleClosed(BTC_1M, T0));
    clock.advance(30_000);
    market.onCandle(candleClosed(BTC_1M, T0 - 5 * MINUTE));
    expect(view(market, BTC_1M)).toMatchObject({
      lastCandleTime: new Date(T0).toISOString(),
      lastCandleAgeSeconds: 30,
      candlesSeen: 2,
    });
    // A candle of the same open time (a re-publication) is the newest again: its arrival counts.
    market.onCandle(candleClosed(BTC_1M, T0));
    expect(view(market, BTC_1M)).toMatchObject({ lastCandleAgeSeconds: 0, candlesSeen: 3 });
  });

  it('goes stale only past staleAfterIntervals × the timeframe since the newest candle arrived', () => {
    const { board: market, clock } = board([BTC_1M, BTC_5M], 3);
    market.onCandle(candleClosed(BTC_1M, T0));
    market.onCandle(candleClosed(BTC_5M, T0));
    market.onResult(result(BTC_1M, T0, 50));
    clock.advance(3 * MINUTE);
    expect(view(market, BTC_1M).status).toBe('warm');
    clock.advance(1);
    expect(view(market, BTC_1M).status).toBe('stale');
    // The same wait is well within three 5m intervals.
    expect(view(market, BTC_5M).status).toBe('warming-up');
    clock.advance(12 * MINUTE - 1);
    expect(view(market, BTC_5M).status).toBe('warming-up');
    clock.advance(1);
    expect(view(market, BTC_5M).status).toBe('stale');
    // A new candle makes it fresh again.
    market.onCandle(candleClosed(BTC_1M, T0 + 15 * MINUTE));
    expect(view(market, BTC_1M).status).toBe('warm');
  });

  it('scales staleness with staleAfterIntervals', () => {
    const { board: market, clock } = board([BTC_1M], 10);
    market.onCandle(candleClosed(BTC_1M, T0));
    clock.advance(10 * MINUTE);
    expect(view(market, BTC_1M).status).toBe('warming-up');
    clock.advance(1);
    expect(view(market, BTC_1M).status).toBe('stale');
  });

  it('never reports a negative candle age when the clock steps back', () => {
    const { board: market, clock } = board([BTC_1M]);
    market.onCandle(candleClosed(BTC_1M, T0));
    clock.advance(-5000);
    expect(view(market, BTC_1M).lastCandleAgeSeconds).toBe(0);
  });
});

describe('MarketBoard streams seen on the bus', () => {
  it('adds an untracked stream from a candle or a result', () => {
    const { board: market } = board([BTC_1M]);
    expect(market.knows(KRAKEN_1M)).toBe(false);
    market.onCandle(candleClosed(KRAKEN_1M, T0));
    market.onResult(result(LTC_1M, T0, 40));
    expect(market.knows(KRAKEN_1M)).toBe(true);
    expect(market.knows(LTC_1M)).toBe(true);
    expect(market.list().map((v) => `${v.exchange} ${v.symbol} ${v.timeframe} ${v.status}`)).toEqual([
      'binance BTC/USDT 1m waiting',
      'binance LTC/USDT 1m warm',
      'kraken BTC/USD 1m warming-up',
    ]);
  });

  it('knows a market by exchange and symbol, and a stream by its timeframe too', () => {
    const { board: market } = board([BTC_5M]);
    expect(market.knowsMarket('binance', 'BTC/USDT')).toBe(true);
    expect(market.knowsMarket('binance', 'ETH/USDT')).toBe(false);
    expect(market.knowsMarket('kraken', 'BTC/USDT')).toBe(false);
    expect(market.knows(BTC_5M)).toBe(true);
    expect(market.knows(BTC_1M)).toBe(false);
  });

  it('defaults to the shortest timeframe of a market, whatever order they were added in', () => {
    const { board: market } = board([BTC_1H, BTC_5M, LTC_1M]);
    expect(market.defaultTimeframe('binance', 'BTC/USDT')).toBe('5m');
    market.onCandle(candleClosed(BTC_1M, T0));
    expect(market.defaultTimeframe('binance', 'BTC/USDT')).toBe('1m');
    expect(market.defaultTimeframe('binance', 'LTC/USDT')).toBe('1m');
    expect(market.defaultTimeframe('kraken', 'BTC/USDT')).toBeNull();
    expect(market.defaultTimeframe('binance', 'ETH/USDT')).toBeNull();
  });

  it('orders timeframes by duration rather than by name', () => {
    const { board: market } = board([
      { ...BTC_1M, timeframe: '1d' },
      { ...BTC_1M, timeframe: '15m' },
      { ...BTC_1M, timeframe: '1w' },
    ]);
    expect(market.defaultTimeframe('binance', 'BTC/USDT')).toBe('15m');
  });

  it('names the source of a stream from its latest event, null before any', () => {
    const { board: market } = board([BTC_1M, BTC_5M]);
    expect(market.sourceOf(BTC_1M)).toBeNull();
    expect(market.sourceOf(KRAKEN_1M)).toBeNull();
    market.onCandle(candleClosed(BTC_1M, T0, 'replay'));
    expect(market.sourceOf(BTC_1M)).toBe('replay');
    market.onResult(result(BTC_5M, T0, 50, 'NEUTRAL', 'live'));
    expect(market.sourceOf(BTC_5M)).toBe('live');
  });
});

describe('MarketBoard freshness and ages', () => {
  it('reports ok per exchange when every stream has a recent candle (warming-up counts as fresh)', () => {
    const { board: market } = board([BTC_1M, LTC_1M, KRAKEN_1M]);
    market.onCandle(candleClosed(BTC_1M, T0));
    market.onResult(result(BTC_1M, T0, 50));
    market.onCandle(candleClosed(LTC_1M, T0));
    market.onCandle(candleClosed(KRAKEN_1M, T0));
    expect(market.freshness()).toEqual([
      { exchange: 'binance', status: 'ok', streams: 2, fresh: 2 },
      { exchange: 'kraken', status: 'ok', streams: 1, fresh: 1 },
    ]);
  });

  it('degrades an exchange whose streams are waiting or stale, naming them, and leaves the others ok', () => {
    const { board: market, clock } = board([BTC_1M, BTC_5M, LTC_1M, KRAKEN_1M], 3);
    market.onCandle(candleClosed(BTC_1M, T0));
    market.onCandle(candleClosed(BTC_5M, T0));
    market.onCandle(candleClosed(KRAKEN_1M, T0));
    clock.advance(4 * MINUTE);
    market.onCandle(candleClosed(KRAKEN_1M, T0 + 4 * MINUTE));
    expect(market.freshness()).toEqual([
      {
        exchange: 'binance',
        status: 'degraded',
        streams: 3,
        fresh: 1,
        reason: 'no recent closed candle for BTC/USDT 1m, LTC/USDT 1m',
      },
      { exchange: 'kraken', status: 'ok', streams: 1, fresh: 1 },
    ]);
  });

  it('reports nothing without streams', () => {
    expect(board([]).board.freshness()).toEqual([]);
    expect(board([]).board.list()).toEqual([]);
  });

  it('gives each stream the seconds since its newest candle arrived, null before the first', () => {
    const { board: market, clock } = board([BTC_1M, BTC_5M]);
    market.onCandle(candleClosed(BTC_1M, T0));
    clock.advance(2500);
    const ages = market.ages().map(({ stream, ageSeconds }) => [stream.symbol, stream.timeframe, ageSeconds]);
    expect(ages).toEqual([
      ['BTC/USDT', '1m', 2.5],
      ['BTC/USDT', '5m', null],
    ]);
  });
});
