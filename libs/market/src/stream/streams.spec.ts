import { afterEach, describe, expect, it } from '@jest/globals';
import { eventually, type FakeExchangeId } from '@app/testing';
import { FeedHarness, type FeedHarnessOptions } from '../../../testing/src/market-feed-harness.js';

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
    market: { symbols: ['BTC/USDT', 'LTC/USDT'], timeframes: ['1m', '5m'] },
    derivatives: false,
    transport: 'websocket',
    ...options,
  });
  harnesses.push(harness);
  await harness.startAll();
  return harness;
}

/** Every data kind of the exchange's streams is delivering (the fake sends as its clock moves). */
async function live(harness: FeedHarness, exchange: FakeExchangeId): Promise<void> {
  await eventually(async () => {
    harness.clock.advance(1_000);
    await harness.pump();
    const { kinds } = harness.feed(exchange).status().streams;
    return Object.values(kinds).every((state) => state === 'streaming');
  }, `${exchange} streams live`);
}

/** Advances a minute at a time; after each, the fake's frames and the feeds' tasks. */
async function minutes(harness: FeedHarness, count: number, exchange: FakeExchangeId): Promise<void> {
  for (let step = 0; step < count; step++) {
    harness.clock.advance(60_000);
    await harness.pump();
    await caughtUp(harness, exchange);
    await harness.feed(exchange).tick();
  }
}

/** Every candle stream has published through the last closed candle (by stream or by poll). */
async function caughtUp(harness: FeedHarness, exchange: FakeExchangeId): Promise<void> {
  await eventually(() => {
    for (const market of harness.feed(exchange).status().markets) {
      const expected = harness.expected(exchange, market.symbol, market.timeframe, 0);
      const last = expected[expected.length - 1];
      if (last !== undefined && market.lastCandle !== last.timestamp) return false;
    }
    return true;
  }, `${exchange} candle streams caught up`);
}

function assertExact(harness: FeedHarness, exchange: FakeExchangeId): void {
  for (const symbol of ['BTC/USDT', 'LTC/USDT'])
    for (const timeframe of ['1m', '5m'] as const) {
      const got = harness.candles(exchange, symbol, timeframe);
      expect(got.length).toBeGreaterThan(0);
      const first = got[0]?.timestamp ?? 0;
      expect(got).toEqual(harness.expected(exchange, symbol, timeframe, first));
    }
}

describe.each(['binance', 'bybit'] as const)('%s streams through ccxt pro', (exchange) => {
  it('publishes every closed candle once, in order, equal to the recorded ones, from the stream', async () => {
    const harness = await streaming(exchange);
    await harness.feed(exchange).tick(); // the first poll backfills the warm-up
    const polled = harness.server.count(exchange, 'klines');
    await live(harness, exchange);
    await minutes(harness, 12, exchange);
    assertExact(harness, exchange);
    const status = harness.feed(exchange).status();
    expect(status.streams.streamedCandles).toBeGreaterThanOrEqual(12 * 2 + 2 * 2);
    expect(status.status).toBe('ok');
    // While streaming, candles were not polled: the first poll (recent page + warm-up) only.
    expect(harness.server.count(exchange, 'klines')).toBe(polled);
  });
});
