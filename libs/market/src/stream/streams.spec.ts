import { afterEach, describe, expect, it } from '@jest/globals';
import { loadConfig } from '@app/config';
import { MarketEventName } from '@app/contracts';
import { type Candle, createConfluenceEngine } from '@app/confluence';
import { eventually, type FakeExchangeId, PROJECT_CONFIG_DIR } from '@app/testing';
import { FeedHarness, type FeedHarnessOptions } from '../../../testing/src/market-feed-harness.js';

const harnesses: FeedHarness[] = [];

afterEach(async () => {
  await Promise.all(harnesses.splice(0).map((harness) => harness.stop()));
});

export async function startFeeds(
  exchange: FakeExchangeId,
  options: Partial<FeedHarnessOptions> = {},
): Promise<FeedHarness> {
  const harness = await FeedHarness.start({
    exchanges: [exchange],
    market: { symbols: ['BTC/USDT', 'LTC/USDT'], timeframes: ['1m', '5m'] },
    derivatives: false,
    transport: 'websocket',
    ...options,
  });
  harnesses.push(harness);
  await harness.startAll();
  await harness.feed(exchange).tick(); // the first poll of each market backfills its warm-up
  return harness;
}

/** Each market's results over `candles`, as the engine scores them one close at a time. */
function results(candles: readonly Candle[], symbol: string): string[] {
  const engine = createConfluenceEngine(
    loadConfig({ env: { NODE_ENV: 'test', CONFIG_DIR: PROJECT_CONFIG_DIR } }),
  );
  const key = { exchange: 'binance', symbol, timeframe: '1m' as const };
  return candles.map((candle) => {
    engine.addCandle(key, candle);
    const outcome = engine.analyze(key, candle.timestamp + 60_000);
    if (outcome.status !== 'ready') return outcome.status;
    // Every field: score, label, confidence, components, indicators, input hash.
    return JSON.stringify(outcome.result);
  });
}

describe.each(['binance', 'bybit'] as const)('%s streams through ccxt pro', (exchange) => {
  it('publishes every closed candle once, in order, equal to the recorded ones, without polling candles', async () => {
    const harness = await startFeeds(exchange);
    const polled = harness.server.count(exchange, 'klines');
    await harness.untilStreaming(exchange);
    await harness.streamMinutes(12, exchange);
    for (const symbol of ['BTC/USDT', 'LTC/USDT'])
      for (const timeframe of ['1m', '5m'] as const) {
        const got = harness.candles(exchange, symbol, timeframe);
        expect(got).toEqual(harness.expected(exchange, symbol, timeframe, got[0]?.timestamp ?? 0));
      }
    const status = harness.feed(exchange).status();
    expect(status.status).toBe('ok');
    expect(status.streams.kinds).toEqual({
      candles: 'streaming',
      trades: 'streaming',
      orderBook: 'streaming',
    });
    // 12 closes of each 1m market and 2 of each 5m one came by stream (or more, with the minute
    // the streams went live); candles were never polled after the first poll.
    expect(status.streams.streamedCandles).toBeGreaterThanOrEqual(2 * 12 + 2 * 2);
    expect(harness.server.count(exchange, 'klines')).toBe(polled);
    expect(harness.server.count(exchange, 'trades')).toBe(2);
  });

  it('keeps each order book from snapshot and diffs equal to the exchange book, and trades once each in order', async () => {
    const harness = await startFeeds(exchange, {
      market: { symbols: ['BTC/USDT', 'LTC/USDT'], timeframes: ['1m'] },
    });
    await harness.untilStreaming(exchange);
    await harness.streamMinutes(3, exchange);
    for (const symbol of ['BTC/USDT', 'LTC/USDT']) {
      const fake = harness.server.book(exchange, symbol);
      const top = { bids: fake?.bids.slice(0, 10), asks: fake?.asks.slice(0, 10) };
      await eventually(async () => {
        harness.clock.advance(1_000); // the next book publication is due
        await harness.feed(exchange).tick();
        const book = harness.books.get(`${exchange} ${symbol}`);
        return JSON.stringify({ bids: book?.bids, asks: book?.asks }) === JSON.stringify(top);
      }, `${symbol} book published as the fake holds it`);
      expect(fake?.bids.length).toBeGreaterThanOrEqual(10);
      const trades = harness.trades.get(`${exchange} ${symbol}`) ?? [];
      expect(trades.length).toBeGreaterThan(30);
      const times = trades.map((trade) => trade.timestamp);
      expect(times).toEqual([...times].sort((a, b) => a - b));
      expect(new Set(trades.map((t) => `${t.timestamp} ${t.price} ${t.size}`)).size).toBe(trades.length);
    }
  });
});

describe('subscription limits', () => {
  it('splits topics across connections and subscribe requests as configured', async () => {
    const harness = await startFeeds('bybit', {
      market: { symbols: ['BTC/USDT', 'LTC/USDT'], timeframes: ['1m', '5m'] },
      stream: { maxTopicsPerConnection: 4, subscriptionBatch: 1 },
    });
    await harness.untilStreaming('bybit');
    // Four topics a market (two timeframes, trades, book): one market per connection.
    const sockets = harness.server.connections('bybit');
    expect(sockets).toHaveLength(2);
    for (const socket of sockets) expect(socket.topics).toHaveLength(4);
    const subscribes = harness.server.streamLog.filter((entry) => entry.op === 'subscribe');
    expect(subscribes.length).toBe(8);
    for (const entry of subscribes) expect(entry.topics).toHaveLength(1);
    expect(harness.feed('bybit').status().streams.connections).toEqual({ open: 2, planned: 2 });
  });
});

describe('flushes on the in-process bus', () => {
  it('let the event loop turn between two book publications, so a close arriving meanwhile waits for one book, not the whole flush', async () => {
    const harness = await startFeeds('binance', {
      market: { symbols: ['BTC/USDT', 'LTC/USDT'], timeframes: ['1m'] },
    });
    await harness.untilStreaming('binance');
    // Local mode's bus runs the analysis inside publish; an I/O callback queued by the first book's
    // handler must run before the second book is published.
    const flush = { books: 0, turnAfter: [] as number[] };
    harness.bus.subscribe(MarketEventName.OrderBookSnapshot, () => {
      flush.books++;
      if (flush.books === 1) setImmediate(() => flush.turnAfter.push(flush.books));
    });
    await eventually(async () => {
      flush.books = 0;
      flush.turnAfter = [];
      harness.clock.advance(1_000); // both books step, and their publication falls due
      await harness.pump();
      await harness.feed('binance').tick();
      await new Promise((resolve) => setImmediate(resolve));
      return flush.books === 2;
    }, 'both books published in one flush');
    expect(flush.turnAfter).toEqual([1]);
  });
});

describe('the same session streamed and polled', () => {
  it('gives the engine identical candles, and so identical results, field by field', async () => {
    const options = { market: { symbols: ['BTC/USDT'], timeframes: ['1m' as const] }, warmupCandles: 240 };
    const streamed = await startFeeds('binance', options);
    const polled = await startFeeds('binance', { ...options, transport: 'polling' });
    await streamed.untilStreaming('binance');
    polled.clock.set(streamed.clock.now());
    await streamed.streamMinutes(20, 'binance');
    while (polled.clock.now() < streamed.clock.now()) await polled.runMinutes(1);
    await polled.caughtUp('binance');
    // The polled run may end a minute later: the same range of both is compared.
    const last = Math.min(streamed.clock.now(), polled.clock.now()) - 60_000;
    const [a, b] = [streamed, polled].map((harness) =>
      harness.candles('binance', 'BTC/USDT', '1m').filter((candle) => candle.timestamp <= last),
    ) as [Candle[], Candle[]];
    expect(a.at(-1)?.timestamp).toBe(Math.floor(last / 60_000) * 60_000);
    expect(a.length).toBeGreaterThan(255);
    expect(a).toEqual(b);
    const [scoresA, scoresB] = [results(a, 'BTC/USDT'), results(b, 'BTC/USDT')];
    expect(scoresA.filter((line) => line.startsWith('{')).length).toBeGreaterThan(20);
    expect(scoresA).toEqual(scoresB);
  });
});
