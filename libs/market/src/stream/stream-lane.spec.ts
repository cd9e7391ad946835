import { describe, expect, it } from '@jest/globals';
import { ChecksumError, ExchangeError, NetworkError } from 'ccxt';
import type { Timeframe } from '@app/contracts';
import { ManualClock } from '@app/testing';
import { RecordingLogger } from '../../../testing/src/market-feed-harness.js';
import { type LaneCounters, type LaneSink, type LaneSubscription, StreamLane } from './stream-lane.js';
import type {
  BookUpdate,
  CandleUpdate,
  FrameEvents,
  StreamConnection,
  StreamConnectionOptions,
  StreamConnector,
  StreamKind,
  TradeUpdate,
} from './stream-types.js';

type Update = CandleUpdate | TradeUpdate | BookUpdate;

/** A connection whose watches the test settles one at a time, as frames would. */
class ScriptedConnection implements StreamConnection {
  readonly flagsClosedCandles = true;
  readonly waiting = new Map<
    StreamKind,
    { resolve: (update: Update) => void; reject: (error: unknown) => void }
  >();
  closed = false;

  constructor(readonly events: FrameEvents) {}

  watchCandles(): Promise<CandleUpdate> {
    return this.#wait('candles') as Promise<CandleUpdate>;
  }
  watchTrades(): Promise<TradeUpdate> {
    return this.#wait('trades') as Promise<TradeUpdate>;
  }
  watchOrderBook(): Promise<BookUpdate> {
    return this.#wait('orderBook') as Promise<BookUpdate>;
  }
  orderBook(): null {
    return null;
  }
  close(): Promise<void> {
    this.closed = true;
    for (const waiter of this.waiting.values()) waiter.reject(new Error('closed'));
    return Promise.resolve();
  }

  deliver(kind: StreamKind, update: Update): void {
    const waiter = this.waiting.get(kind);
    if (waiter === undefined) throw new Error(`no watch of ${kind} pending`);
    this.waiting.delete(kind);
    waiter.resolve(update);
  }

  fail(kind: StreamKind, error: unknown): void {
    const waiter = this.waiting.get(kind);
    if (waiter === undefined) throw new Error(`no watch of ${kind} pending`);
    this.waiting.delete(kind);
    waiter.reject(error);
  }

  #wait(kind: StreamKind): Promise<Update> {
    return new Promise((resolve, reject) => this.waiting.set(kind, { resolve, reject }));
  }
}

class ScriptedConnector implements StreamConnector {
  readonly supported: readonly StreamKind[] = ['candles', 'trades', 'orderBook'];
  readonly connections: ScriptedConnection[] = [];
  open(options: StreamConnectionOptions): Promise<StreamConnection> {
    const connection = new ScriptedConnection(options.events);
    this.connections.push(connection);
    return Promise.resolve(connection);
  }
  get last(): ScriptedConnection {
    const connection = this.connections[this.connections.length - 1];
    if (connection === undefined) throw new Error('no connection');
    return connection;
  }
}

class RecordingSink implements LaneSink {
  readonly got: string[] = [];
  closedCandle(symbol: string, timeframe: Timeframe): void {
    this.got.push(`closed ${symbol} ${timeframe}`);
  }
  candlePage(update: CandleUpdate): void {
    this.got.push(`page ${update.symbol}`);
  }
  trades(update: TradeUpdate): void {
    this.got.push(`trades ${update.symbol} ${update.trades.length}`);
  }
  books(symbols: readonly string[]): void {
    this.got.push(`books ${symbols.join(' ')}`);
  }
  bookInvalid(symbol: string): void {
    this.got.push(`invalid ${symbol}`);
  }
}

const settle = async (): Promise<void> => {
  for (let i = 0; i < 10; i++) await Promise.resolve();
};

const BOOK: BookUpdate = { books: ['BTC/USDT', 'LTC/USDT'] };
const TRADES: TradeUpdate = {
  symbol: 'BTC/USDT',
  trades: [{ id: '1', timestamp: 1, price: 1, size: 1, side: 'buy' }],
  dropped: [],
};

function lane(subscriptions: readonly LaneSubscription[]) {
  const clock = new ManualClock(1_700_000_000_000);
  const connector = new ScriptedConnector();
  const sink = new RecordingSink();
  const logger = new RecordingLogger();
  const counters: LaneCounters = {
    reconnects: 0,
    silences: 0,
    bookResyncs: 0,
    malformedFrames: 0,
    refusedSubscriptions: 0,
  };
  const controller = new AbortController();
  const subject = new StreamLane({
    name: 'binance stream 1',
    connector,
    subscriptions,
    bookDepth: 10,
    silenceMs: 10_000,
    reconnect: { baseMs: 1_000, maxMs: 8_000 },
    clock,
    random: () => 0.5,
    logger,
    sink,
    counters,
    signal: controller.signal,
  });
  return { clock, connector, sink, logger, counters, subject, controller };
}

const BOOKS: LaneSubscription = { kind: 'orderBook', symbols: ['BTC/USDT', 'LTC/USDT'], pairs: [] };
const TRADE_SUB: LaneSubscription = { kind: 'trades', symbols: ['BTC/USDT'], pairs: [] };
const CANDLES: LaneSubscription = { kind: 'candles', symbols: ['BTC/USDT'], pairs: [['BTC/USDT', '1m']] };

describe('StreamLane', () => {
  it('counts a subscription as streaming only once it has delivered, per kind and market', async () => {
    const { connector, sink, subject } = lane([BOOKS, TRADE_SUB, CANDLES]);
    subject.start();
    await settle();
    expect(subject.streaming('orderBook', 'BTC/USDT')).toBe(false);
    connector.last.deliver('orderBook', BOOK);
    connector.last.events.closedCandle('BTC/USDT', '1m', {
      timestamp: 0,
      open: 1,
      high: 1,
      low: 1,
      close: 1,
      volume: 1,
    });
    connector.last.deliver('candles', { symbol: 'BTC/USDT', timeframe: '1m', candles: [], dropped: [] });
    await settle();
    expect(subject.streaming('orderBook', 'LTC/USDT')).toBe(true);
    expect(subject.streaming('trades', 'BTC/USDT')).toBe(false);
    expect(subject.streaming('candles', 'BTC/USDT', '1m')).toBe(true);
    expect(subject.streaming('candles', 'BTC/USDT', '5m')).toBe(false);
    expect(subject.streamingAll('orderBook')).toBe(true);
    expect(subject.streamingAll('trades')).toBe(false);
    // Frames reach the sink at once, watches a microtask later; a flagged connection's candle pages are not used.
    expect(sink.got).toEqual(['closed BTC/USDT 1m', 'books BTC/USDT LTC/USDT']);
  });

  it('ends a silent session after silenceMs, polls meanwhile, and reconnects after a backoff on the clock', async () => {
    const { connector, clock, counters, subject, logger } = lane([TRADE_SUB]);
    subject.start();
    await settle();
    connector.last.events.data();
    connector.last.deliver('trades', TRADES);
    await settle();
    clock.advance(9_999);
    subject.watchdog();
    expect(subject.streaming('trades', 'BTC/USDT')).toBe(true);
    clock.advance(1);
    const before = clock.now();
    subject.watchdog();
    await settle();
    expect(counters.silences).toBe(1);
    expect(connector.connections).toHaveLength(2);
    expect(connector.connections[0]?.closed).toBe(true);
    // Full jitter at 0.5 of the first ceiling (1,000 ms).
    expect(clock.now() - before).toBe(500);
    expect(subject.streaming('trades', 'BTC/USDT')).toBe(false);
    expect(logger.lines.some((line) => line.includes('no data for 10000 ms; polling meanwhile'))).toBe(true);
    connector.last.deliver('trades', TRADES);
    await settle();
    expect(subject.streaming('trades', 'BTC/USDT')).toBe(true);
  });

  it('reconnects after a dropped connection, and a late answer of the old session delivers nothing', async () => {
    const { connector, sink, counters, subject } = lane([BOOKS, TRADE_SUB]);
    subject.start();
    await settle();
    const first = connector.last;
    first.fail('orderBook', new NetworkError('connection closed by remote server, closing code 1006'));
    await settle();
    expect(counters.reconnects).toBe(1);
    expect(first.closed).toBe(true);
    expect(connector.connections).toHaveLength(2);
    first.events.closedCandle('BTC/USDT', '1m', {
      timestamp: 0,
      open: 1,
      high: 1,
      low: 1,
      close: 1,
      volume: 1,
    });
    expect(sink.got).toEqual([]);
  });

  it('resyncs a book out of sequence without dropping the session, and counts it', async () => {
    const { connector, sink, counters, subject } = lane([BOOKS]);
    subject.start();
    await settle();
    connector.last.fail('orderBook', new ChecksumError('binance BTC/USDT checksum'));
    await settle();
    expect(counters.bookResyncs).toBe(1);
    expect(connector.connections).toHaveLength(1);
    expect(sink.got).toEqual(['invalid BTC/USDT', 'invalid LTC/USDT']);
    connector.last.deliver('orderBook', BOOK);
    await settle();
    expect(sink.got.at(-1)).toBe('books BTC/USDT LTC/USDT');
  });

  it('on a Bybit book gap, invalidates the book and starts a new session for a new snapshot', async () => {
    const { connector, sink, counters, subject } = lane([BOOKS]);
    subject.start();
    await settle();
    connector.last.events.bookGap('BTC/USDT', 'orderbook.50.BTCUSDT: update 9 after 7');
    await settle();
    expect(counters.bookResyncs).toBe(1);
    expect(connector.connections).toHaveLength(2);
    expect(sink.got).toEqual(['invalid BTC/USDT']);
  });

  it('leaves a refused subscription out of a new session and asks again after its backoff', async () => {
    const { connector, counters, subject, clock } = lane([BOOKS, TRADE_SUB]);
    subject.start();
    await settle();
    connector.last.deliver('orderBook', BOOK);
    await settle();
    connector.last.fail('trades', new ExchangeError('{"success":false,"ret_msg":"Invalid topic"}'));
    await settle();
    expect(counters.refusedSubscriptions).toBe(1);
    // ccxt keeps a refused subscription on its connection: a new session, without it.
    expect(connector.connections).toHaveLength(2);
    expect(connector.last.waiting.has('trades')).toBe(false);
    expect(connector.last.waiting.has('orderBook')).toBe(true);
    connector.last.deliver('orderBook', BOOK);
    await settle();
    subject.watchdog();
    expect(connector.connections).toHaveLength(2);
    expect(subject.streaming('trades', 'BTC/USDT')).toBe(false);
    clock.advance(999);
    subject.watchdog();
    expect(connector.connections).toHaveLength(2);
    clock.advance(1); // the refusal's wait: at least reconnect.baseMs after the new session opened
    subject.watchdog();
    await settle();
    expect(connector.connections).toHaveLength(3);
    expect(connector.last.waiting.has('trades')).toBe(true);
    connector.last.deliver('trades', TRADES);
    await settle();
    expect(subject.streaming('trades', 'BTC/USDT')).toBe(true);
  });

  it('drops an update our checks refuse, counted as malformed, and keeps watching', async () => {
    const { connector, counters, subject } = lane([BOOKS]);
    subject.start();
    await settle();
    connector.last.fail('orderBook', new Error('crossed order book (best bid 2 ≥ best ask 1)'));
    await settle();
    expect(counters.malformedFrames).toBe(1);
    expect(connector.last.waiting.has('orderBook')).toBe(true);
  });

  it('stops for good: no reconnect after stop', async () => {
    const { connector, subject, controller } = lane([BOOKS]);
    subject.start();
    await settle();
    controller.abort();
    await subject.stop();
    await settle();
    expect(connector.connections).toHaveLength(1);
    expect(connector.last.closed).toBe(true);
  });
});
