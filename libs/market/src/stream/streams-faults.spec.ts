import { afterEach, describe, expect, it } from '@jest/globals';
import { eventually, type FakeExchangeId } from '@app/testing';
import { FeedHarness, type FeedHarnessOptions } from '../../../testing/src/market-feed-harness.js';

/**
 * Each fault of the fake's streams, through real ccxt pro: the published candles are still
 * exactly the recorded ones, books come back equal to the exchange's, nothing crashes, and
 * health says what is happening.
 */
const harnesses: FeedHarness[] = [];

afterEach(async () => {
  await Promise.all(harnesses.splice(0).map((harness) => harness.stop()));
});

async function streaming(
  exchange: FakeExchangeId,
  options: Partial<FeedHarnessOptions> = {},
): Promise<FeedHarness> {
  const harness = await FeedHarness.start({
    exchanges: [exchange],
    market: { symbols: ['BTC/USDT', 'LTC/USDT'], timeframes: ['1m'] },
    derivatives: false,
    transport: 'websocket',
    ...options,
  });
  harnesses.push(harness);
  await harness.startAll();
  await harness.feed(exchange).tick();
  await harness.untilStreaming(exchange);
  return harness;
}

function exact(harness: FeedHarness, exchange: FakeExchangeId): void {
  for (const symbol of ['BTC/USDT', 'LTC/USDT']) {
    const got = harness.candles(exchange, symbol, '1m');
    expect(got.length).toBeGreaterThan(30);
    expect(got).toEqual(harness.expected(exchange, symbol, '1m', got[0]?.timestamp ?? 0));
  }
}

async function bookMatches(harness: FeedHarness, exchange: FakeExchangeId, symbol: string): Promise<void> {
  await eventually(async () => {
    harness.clock.advance(1_000);
    await harness.feed(exchange).tick();
    const fake = harness.server.book(exchange, symbol);
    const book = harness.books.get(`${exchange} ${symbol}`);
    return (
      fake !== undefined &&
      JSON.stringify([book?.bids, book?.asks]) ===
        JSON.stringify([fake.bids.slice(0, 10), fake.asks.slice(0, 10)])
    );
  }, `${exchange} ${symbol} book equal to the exchange's`);
}

describe.each(['binance', 'bybit'] as const)('%s stream faults', (exchange) => {
  it('an abrupt disconnect: reconnects, and not a candle is lost or repeated', async () => {
    const harness = await streaming(exchange);
    await harness.streamMinutes(2, exchange);
    harness.server.streamFault(exchange, { kind: 'disconnect' });
    await harness.streamMinutes(3, exchange);
    await harness.untilStreaming(exchange);
    await harness.streamMinutes(2, exchange);
    exact(harness, exchange);
    const { streams } = harness.feed(exchange).status();
    expect(streams.reconnects).toBeGreaterThanOrEqual(1);
    expect(streams.lastError).toMatch(/connection lost/);
    expect(streams.kinds.candles).toBe('streaming');
    await bookMatches(harness, exchange, 'BTC/USDT');
  });

  it('a silent stream: declared silent after silenceMs, polled meanwhile (health says so), streamed again after', async () => {
    const harness = await streaming(exchange, { stream: { silenceMs: 90_000 } });
    const polledBefore = harness.server.count(exchange, 'klines');
    harness.server.streamFault(exchange, { kind: 'silence' });
    await harness.streamMinutes(4, exchange, { waitForStream: false });
    const status = harness.feed(exchange).status();
    expect(status.streams.silences).toBeGreaterThanOrEqual(1);
    // A new session's book watch resolves on its REST snapshot (Binance) or first snapshot
    // (Bybit) before any diff, so only candles and trades are sure to read fallback here.
    expect(status.streams.kinds).toMatchObject({
      candles: 'polling (fallback)',
      trades: 'polling (fallback)',
    });
    expect(status.status).toBe('degraded');
    expect(status.reason).toMatch(/polling \(fallback\): candles, trades/);
    // The polls kept the series whole while the stream said nothing.
    expect(harness.server.count(exchange, 'klines')).toBeGreaterThan(polledBefore);
    harness.server.clearStreamFaults(exchange);
    await harness.untilStreaming(exchange);
    await harness.streamMinutes(2, exchange);
    exact(harness, exchange);
    expect(harness.feed(exchange).status().status).toBe('ok');
  });

  it('out-of-order and repeated frames: each candle published once, in order', async () => {
    const harness = await streaming(exchange);
    harness.server.streamFault(exchange, { kind: 'reorder' }, { topic: /kline/, times: 3 });
    harness.server.streamFault(exchange, { kind: 'duplicate' }, { times: 20 });
    await harness.streamMinutes(6, exchange);
    exact(harness, exchange);
    await bookMatches(harness, exchange, 'LTC/USDT');
  });

  it('a sequence gap in the book: resynced, counted, and equal to the exchange book again', async () => {
    const harness = await streaming(exchange);
    await harness.streamMinutes(1, exchange);
    harness.server.streamFault(exchange, { kind: 'bookGap' }, { topic: /BTCUSDT|btcusdt/ });
    await harness.streamMinutes(2, exchange);
    await harness.untilStreaming(exchange);
    await harness.streamMinutes(1, exchange);
    expect(harness.feed(exchange).status().streams.bookResyncs).toBeGreaterThanOrEqual(1);
    await bookMatches(harness, exchange, 'BTC/USDT');
    exact(harness, exchange);
  });

  it('a malformed frame: dropped and counted; the candle it carried comes from REST', async () => {
    const harness = await streaming(exchange);
    harness.server.streamFault(exchange, { kind: 'malformed' }, { topic: /kline/, times: 2 });
    // A garbled close never arrives: time moves on until the poll fetches it (5 s after the close).
    await harness.streamMinutes(5, exchange, { waitForStream: false });
    exact(harness, exchange);
    expect(harness.feed(exchange).status().streams.malformedFrames).toBeGreaterThanOrEqual(1);
  });

  it('a refused subscription: that kind is polled and asked for again; the others stream on', async () => {
    const harness = await FeedHarness.start({
      exchanges: [exchange],
      market: { symbols: ['BTC/USDT', 'LTC/USDT'], timeframes: ['1m'] },
      derivatives: false,
      transport: 'websocket',
    });
    harnesses.push(harness);
    harness.server.streamFault(exchange, { kind: 'refuseSubscription' }, { topic: /trade/i });
    await harness.startAll();
    await harness.feed(exchange).tick();
    await eventually(() => harness.feed(exchange).status().streams.refusedSubscriptions >= 1, 'a refusal');
    await harness.streamMinutes(3, exchange);
    expect(harness.feed(exchange).status().streams.kinds.trades).toBe('polling (fallback)');
    const polls = harness.server.count(exchange, 'trades');
    expect(polls).toBeGreaterThanOrEqual(3);
    harness.server.clearStreamFaults(exchange);
    await harness.untilStreaming(exchange);
    exact(harness, exchange);
  });
});
