import { afterEach, describe, expect, it } from '@jest/globals';
import type { Candle } from '@app/confluence';
import { MarketEventName, type Timeframe, timeframeToMs } from '@app/contracts';
import type { FakeExchangeId } from '@app/testing';
import { FeedHarness } from '../../../testing/src/market-feed-harness.js';

/**
 * The real ccxt binance and bybit clients against the loopback fake exchange, on virtual time:
 * whatever the exchange does, a bus subscriber must see each market's closed candles once, in
 * order, without holes, with the values the exchange recorded (never a forming candle's).
 */

let harness: FeedHarness | undefined;

afterEach(async () => {
  await harness?.stop();
  harness = undefined;
});

const MARKETS: readonly [string, Timeframe][] = [
  ['BTC/USDT', '1m'],
  ['BTC/USDT', '5m'],
  ['LTC/USDT', '1m'],
  ['LTC/USDT', '5m'],
];
/** One stream, so a fault programmed for the next candle request hits that stream's. */
const ONE_MARKET = { symbols: ['BTC/USDT'], timeframes: ['1m'] } as const;
const ONE_MARKET_LIST: readonly [string, Timeframe][] = [['BTC/USDT', '1m']];

function expectContiguous(candles: readonly Candle[], timeframe: Timeframe): void {
  const interval = timeframeToMs(timeframe);
  candles.forEach((candle, index) => {
    if (index > 0) expect(candle.timestamp - (candles[index - 1] as Candle).timestamp).toBe(interval);
  });
}

/**
 * Every configured market of `exchange` received exactly the data's closed candles since its
 * first, up to the clock (`minimum1m` at least on 1m markets).
 */
function expectComplete(
  h: FeedHarness,
  exchange: FakeExchangeId,
  minimum1m: number,
  markets: readonly [string, Timeframe][] = MARKETS,
): void {
  for (const [symbol, timeframe] of markets) {
    const got = h.candles(exchange, symbol, timeframe);
    expect(got.length).toBeGreaterThanOrEqual(timeframe === '1m' ? minimum1m : 30);
    expectContiguous(got, timeframe);
    expect(got).toEqual(h.expected(exchange, symbol, timeframe, (got[0] as Candle).timestamp));
  }
}

describe('ExchangeFeed over ccxt and the fake exchange', () => {
  it.each<FakeExchangeId>(['binance', 'bybit'])(
    '%s: warms up, then publishes each closed candle once, with order book, trades and derivatives',
    async (exchange) => {
      harness = await FeedHarness.start({ exchanges: [exchange], warmupCandles: 30 });
      await harness.startAll();
      await harness.feed(exchange).tick();
      // The warm-up: 30 closed candles of each market straight away.
      for (const [symbol, timeframe] of MARKETS)
        expect(harness.candles(exchange, symbol, timeframe)).toHaveLength(30);
      await harness.runMinutes(12);

      expectComplete(harness, exchange, 30 + 2);
      expect(harness.candles(exchange, 'BTC/USDT', '1m')).toHaveLength(42);
      const kinds = new Set(harness.events.map((event) => event.name));
      expect(kinds).toEqual(
        new Set([
          MarketEventName.OrderBookSnapshot,
          MarketEventName.TradesBatch,
          MarketEventName.DerivativesSnapshot,
        ]),
      );
      expect(harness.bus.stats().rejected).toEqual({});
      const status = harness.feed(exchange).status();
      expect(status).toMatchObject({ exchange, status: 'ok', reason: null, unlisted: [] });
      expect(status.markets.map((market) => market.awaitingBackfill)).toEqual([null, null, null, null]);
      expect(harness.server.unknownRequests()).toEqual([]);
    },
  );

  it('backfills a gap after downtime from REST history before publishing newer candles', async () => {
    harness = await FeedHarness.start({ exchanges: ['binance'] });
    await harness.startAll();
    await harness.runMinutes(3);
    // The process sleeps through 45 minutes (a laptop lid, a stalled event loop, a dropped link).
    harness.clock.advance(45 * 60_000);
    harness.server.clearRequests();
    await harness.runMinutes(1);

    expectComplete(harness, 'binance', 30 + 3 + 46 - 1);
    const backfills = harness.server.requests.filter((request) => request.query.startTime !== undefined);
    expect(backfills.length).toBeGreaterThanOrEqual(3); // one per market
    const status = harness.feed('binance').status();
    expect(status.markets.every((market) => market.backfilled > 0 && market.missing === 0)).toBe(true);
  });

  it('drops duplicate, shuffled and stale candle pages without publishing anything twice or backwards', async () => {
    harness = await FeedHarness.start({ exchanges: ['binance', 'bybit'] });
    await harness.startAll();
    await harness.runMinutes(2);
    for (const exchange of ['binance', 'bybit'] as const) {
      harness.server.fault(
        exchange,
        { kind: 'shuffle', seed: 7, duplicates: 3 },
        { endpoint: 'klines', times: 6 },
      );
      harness.server.fault(exchange, { kind: 'stale', lagMs: 20 * 60_000 }, { endpoint: 'klines', times: 6 });
    }
    await harness.runMinutes(8);

    expectComplete(harness, 'binance', 30 + 10);
    expectComplete(harness, 'bybit', 30 + 10);
  });

  it.each<FakeExchangeId>(['binance', 'bybit'])(
    '%s: a 429 pauses the whole exchange for at least its Retry-After, then carries on',
    async (exchange) => {
      harness = await FeedHarness.start({ exchanges: [exchange] });
      await harness.startAll();
      await harness.runMinutes(1);
      harness.server.fault(
        exchange,
        { kind: 'rateLimit', retryAfterSeconds: 7 },
        { endpoint: 'klines', times: 1 },
      );
      harness.clock.sleeps.length = 0;
      await harness.runMinutes(3);

      expect(Math.max(...harness.clock.sleeps)).toBeGreaterThanOrEqual(7_000);
      const status = harness.feed(exchange).status();
      expect(status.counters.rateLimited).toBe(1);
      expect(status.lastError).toMatchObject({ kind: 'rate-limited' });
      expect(status.status).toBe('ok');
      expectComplete(harness, exchange, 30 + 4);
    },
  );

  it('rides out 500s, opens the circuit on an outage, names it in status, and recovers without a hole', async () => {
    harness = await FeedHarness.start({ exchanges: ['binance'] });
    await harness.startAll();
    await harness.runMinutes(1);
    // Two 500s: retried inside the same poll.
    harness.server.fault('binance', { kind: 'serverError', status: 500 }, { endpoint: 'klines', times: 2 });
    await harness.runMinutes(1);
    expect(harness.feed('binance').status()).toMatchObject({ status: 'ok' });

    // Then the exchange answers 503 to everything until we say otherwise.
    harness.server.fault('binance', { kind: 'serverError', status: 503 });
    await harness.runMinutes(3);
    const down = harness.feed('binance').status();
    expect(down.status).toBe('down');
    expect(down.reason).toMatch(/circuit (open|half-open) after \d+ failures in a row \(last: unavailable\)/);
    expect(down.lastError).toMatchObject({ kind: 'unavailable' });
    expect(down.lastSuccessAt).not.toBeNull();

    harness.server.clearFaults('binance');
    await harness.runMinutes(6);
    expect(harness.feed('binance').status()).toMatchObject({ status: 'ok', breaker: 'closed' });
    expectComplete(harness, 'binance', 30 + 11);
  });

  it('times out a hanging request and retries it', async () => {
    harness = await FeedHarness.start({ exchanges: ['bybit'], requestTimeoutMs: 300 });
    await harness.startAll();
    await harness.runMinutes(1);
    harness.server.fault('bybit', { kind: 'hang' }, { endpoint: 'klines', times: 1 });
    await harness.runMinutes(2);

    const status = harness.feed('bybit').status();
    expect(status.lastError).toMatchObject({ kind: 'timeout' });
    expect(status.status).toBe('ok');
    expectComplete(harness, 'bybit', 30 + 3);
  });

  it.each<[FakeExchangeId, 'truncatedJson' | 'nonNumericValues' | 'missingFields' | 'emptyBody']>([
    ['binance', 'truncatedJson'],
    ['bybit', 'truncatedJson'],
    ['binance', 'nonNumericValues'],
    ['bybit', 'missingFields'],
    ['binance', 'emptyBody'],
  ])(
    '%s: a malformed (%s) candle response is dropped, counted and never published',
    async (exchange, kind) => {
      harness = await FeedHarness.start({ exchanges: [exchange] });
      await harness.startAll();
      await harness.runMinutes(1);
      harness.server.fault(
        exchange,
        { kind: 'malformed', malformation: kind },
        { endpoint: 'klines', times: 2 },
      );
      await harness.runMinutes(2);

      const status = harness.feed(exchange).status();
      expect(status.counters.malformed).toBeGreaterThanOrEqual(1);
      expect(
        harness.logger.lines.some((line) => line.includes('bad-response') || line.includes('malformed')),
      ).toBe(true);
      expect(harness.bus.stats().rejected).toEqual({});
      expectComplete(harness, exchange, 30 + 3);
    },
  );

  it.each<FakeExchangeId>(['binance', 'bybit'])(
    '%s: a truncated body is a bad response saying "body is not JSON", never rows made of its characters',
    async (exchange) => {
      harness = await FeedHarness.start({ exchanges: [exchange], market: ONE_MARKET });
      await harness.startAll();
      await harness.runMinutes(1);
      const truncated = { kind: 'malformed', malformation: 'truncatedJson' } as const;
      // A routine poll's answer cut short…
      harness.server.fault(exchange, truncated, { endpoint: 'klines', times: 1 });
      await harness.runMinutes(1);
      // …and, after a 5-minute stall, a backfill page's (the poll before it takes a no-op fault).
      harness.clock.advance(5 * 60_000);
      harness.server.fault(exchange, { kind: 'stale', lagMs: 0 }, { endpoint: 'klines', times: 1 });
      harness.server.fault(exchange, truncated, { endpoint: 'klines', times: 1 });
      await harness.runMinutes(1);

      const cut = harness.server.requests.filter((request) => request.fault === 'malformed');
      const since = (query: Readonly<Record<string, string>>): string | undefined =>
        query.startTime ?? query.start;
      expect(cut.map((request) => since(request.query) !== undefined)).toEqual([false, true]);
      const bad = harness.logger.lines.filter((line) => line.includes('bad-response'));
      expect(bad.length).toBeGreaterThanOrEqual(2);
      for (const line of bad) expect(line).toMatch(/: bad-response: body is not JSON \(/);
      expect(harness.logger.lines.filter((line) => /no valid candle|row \d+:/.test(line))).toEqual([]);
      expect(harness.feed(exchange).status().lastError).toMatchObject({
        kind: 'bad-response',
        message: expect.stringMatching(/^body is not JSON/),
      });
      expectComplete(harness, exchange, 30 + 7, ONE_MARKET_LIST);
    },
  );

  it('keeps one exchange publishing while the other is down, and backfills the one that comes back', async () => {
    harness = await FeedHarness.start({ exchanges: ['binance', 'bybit'] });
    await harness.startAll();
    await harness.runMinutes(1);
    harness.server.setDown('bybit', true);
    await harness.runMinutes(10);

    expect(harness.feed('bybit').status()).toMatchObject({ status: 'down', lastError: { kind: 'network' } });
    expect(harness.feed('binance').status()).toMatchObject({ status: 'ok' });
    expectComplete(harness, 'binance', 30 + 11);
    const last = harness.candles('binance', 'BTC/USDT', '1m').at(-1)?.timestamp ?? 0;
    expect(last + 60_000).toBeGreaterThan(harness.clock.now() - 60_000); // binance is up to date

    harness.server.setDown('bybit', false);
    await harness.runMinutes(5);
    expect(harness.feed('bybit').status()).toMatchObject({ status: 'ok' });
    expectComplete(harness, 'bybit', 30 + 16);
  });

  it('stops, saying why, when nothing is left to poll', async () => {
    harness = await FeedHarness.start({
      exchanges: ['binance'],
      market: { symbols: ['DOGE/EUR'], timeframes: ['1m'] },
    });
    const controller = new AbortController();
    await harness.feed('binance').run(controller.signal);

    expect(harness.logger.lines).toContain(
      'warn binance: nothing to poll (no listed symbol, or every data kind off)',
    );
  });

  it('skips a symbol the exchange does not list and names it', async () => {
    harness = await FeedHarness.start({
      exchanges: ['binance'],
      market: { symbols: ['BTC/USDT', 'DOGE/EUR'], timeframes: ['1m'] },
    });
    await harness.startAll();
    await harness.runMinutes(1);

    expect(harness.feed('binance').status().unlisted).toEqual(['DOGE/EUR']);
    expect(harness.candles('binance', 'BTC/USDT', '1m')).toHaveLength(31);
    expect(harness.logger.lines).toContain('error binance: DOGE/EUR is not listed on the exchange; skipped');
  });
});
