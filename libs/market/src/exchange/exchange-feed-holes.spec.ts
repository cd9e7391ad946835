import { afterEach, describe, expect, it } from '@jest/globals';
import { type FakeExchangeId, loadMarketCandles, MARKET_FILES } from '@app/testing';
import { FeedHarness, type FeedHarnessOptions } from '../../../testing/src/market-feed-harness.js';
import type { CandleHistory } from './exchange-feed.js';

/**
 * Holes in a stream, through the real ccxt clients and the loopback fake exchange on virtual
 * time: the one a restart leaves after the last stored candle, and the ones an exchange's answers
 * skip over for a while (issue #18).
 */

let harness: FeedHarness | undefined;

afterEach(async () => {
  await harness?.stop();
  harness = undefined;
});

const M = 60_000;
const H = 60 * M;
const BTC = { symbols: ['BTC/USDT'], timeframes: ['1m', '5m'] } as const;
const BTC_1M = { symbols: ['BTC/USDT'], timeframes: ['1m'] } as const;

/** The last stored candle: 600 minutes into the fake's BTC/USDT data (on the 5m grid too). */
const STORED = (loadMarketCandles(MARKET_FILES.btc1m, 1)[0]?.timestamp ?? 0) + 600 * M;

/** A store whose every stream ends at `last`. */
function storedUpTo(last: number): CandleHistory & { asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    lastCandle: (exchange, symbol, timeframe) => {
      asked.push(`${exchange} ${symbol} ${timeframe}`);
      return Promise.resolve(last);
    },
  };
}

/** Candle requests of one stream that asked for history from a time (backfills), by exchange dialect. */
function backfillQueries(h: FeedHarness, exchange: FakeExchangeId, interval: '1' | '1m') {
  return h.server.requests
    .filter((request) => request.endpoint === 'klines' && request.query.interval === interval)
    .map((request) => request.query)
    .filter((query) => (query.startTime ?? query.start) !== undefined)
    .map((query) => ({
      since: Number(query.startTime ?? query.start),
      limit: Number(query.limit),
      exchange,
    }));
}

function wire(exchange: FakeExchangeId): '1' | '1m' {
  return exchange === 'binance' ? '1m' : '1';
}

describe('a restart resumes each stream after its last stored candle', () => {
  it.each<[FakeExchangeId, number]>([
    ['binance', 4],
    ['bybit', 4],
    ['binance', 48],
  ])(
    '%s, %i h after the last stored candle: every candle since, contiguous, no hole',
    async (exchange, hours) => {
      const stored = STORED;
      const history = storedUpTo(stored);
      harness = await FeedHarness.start({
        exchanges: [exchange],
        market: BTC,
        start: stored + hours * H + 30_000,
        warmupCandles: 30,
        history,
      });
      await harness.startAll();
      await harness.feed(exchange).tick();

      expect(history.asked).toEqual([`${exchange} BTC/USDT 1m`, `${exchange} BTC/USDT 5m`]);
      for (const timeframe of BTC.timeframes) {
        const got = harness.candles(exchange, 'BTC/USDT', timeframe);
        const interval = timeframe === '1m' ? M : 5 * M;
        // Exactly the exchange's candles from the one after the last stored, through the last closed.
        expect(got[0]?.timestamp).toBe(stored + interval);
        expect(got).toEqual(harness.expected(exchange, 'BTC/USDT', timeframe, stored + interval));
        expect(got).toHaveLength(hours * (H / interval) - 1);
      }
      // Exchanges answer at most 1,000 candles a request: a longer hole takes several pages.
      const pages = backfillQueries(harness, exchange, wire(exchange));
      expect(pages.every((page) => page.limit <= 1000)).toBe(true);
      expect(pages).toHaveLength(Math.ceil((hours * 60 - 1) / 1000));
      const status = harness.feed(exchange).status();
      expect(status.markets.map((market) => [market.unbackfilled, market.missing])).toEqual([
        [null, 0],
        [null, 0],
      ]);
      expect(harness.logger.lines).toContain(
        `log ${exchange} BTC/USDT 1m: resuming after the last stored candle (${new Date(stored).toISOString()}), ${hours * 60 - 1} candle(s) to backfill`,
      );
    },
  );

  it('fills only the newest resume.maxCandles of a longer hole, and names the rest in a warning and in status', async () => {
    const stored = STORED;
    const now = stored + 4 * H + 30_000;
    harness = await FeedHarness.start({
      exchanges: ['binance'],
      market: BTC,
      start: now,
      warmupCandles: 30,
      resumeMaxCandles: 100,
      history: storedUpTo(stored),
    });
    await harness.startAll();
    await harness.feed('binance').tick();

    // 1m: 239 candles since the last stored one, 100 of them fetched.
    const lastClosed = stored + 4 * H - M;
    const firstResumed = lastClosed - 99 * M;
    expect(harness.candles('binance', 'BTC/USDT', '1m')).toEqual(
      harness.expected('binance', 'BTC/USDT', '1m', firstResumed),
    );
    expect(harness.candles('binance', 'BTC/USDT', '1m')).toHaveLength(100);
    // 5m: 47 candles since, within the bound: all of them.
    expect(harness.candles('binance', 'BTC/USDT', '5m')[0]?.timestamp).toBe(stored + 5 * M);
    const hole = { from: stored + M, to: firstResumed - M, candles: 139 };
    const [oneMinute, fiveMinutes] = harness.feed('binance').status().markets;
    expect(oneMinute?.unbackfilled).toEqual(hole);
    expect(fiveMinutes?.unbackfilled).toBeNull();
    const warnings = harness.logger.lines.filter((line) => line.includes('not backfilled'));
    expect(warnings).toEqual([
      `warn binance BTC/USDT 1m: 139 candle(s) from ${new Date(hole.from).toISOString()} to ${new Date(hole.to).toISOString()} after the last stored one are not backfilled (resume.maxCandles is 100); the store keeps that hole`,
    ]);
  });

  it('starts with the warm-up when the store cannot say where a stream ended', async () => {
    harness = await FeedHarness.start({
      exchanges: ['binance'],
      market: BTC_1M,
      warmupCandles: 30,
      history: { lastCandle: () => Promise.reject(new Error('server selection timed out')) },
    });
    await harness.startAll();
    await harness.feed('binance').tick();

    expect(harness.candles('binance', 'BTC/USDT', '1m')).toHaveLength(30);
    expect(harness.logger.lines).toContain(
      'warn binance BTC/USDT 1m: cannot read the last stored candle (server selection timed out); starting from the warm-up',
    );
  });
});

describe('a hole the exchange skips over is asked for again before it is given up', () => {
  /** One 1m stream; the candle opening a minute after the start is left out of every answer. */
  async function withOmittedCandle(
    exchange: FakeExchangeId,
    gaps: FeedHarnessOptions['gaps'],
  ): Promise<{ h: FeedHarness; omitted: number; first: number }> {
    const h = await FeedHarness.start({ exchanges: [exchange], market: BTC_1M, gaps });
    harness = h;
    await h.startAll();
    await h.runMinutes(1);
    const omitted = Math.floor(h.clock.now() / M) * M + M;
    h.server.fault(exchange, { kind: 'omitCandles', from: omitted, to: omitted }, { endpoint: 'klines' });
    const first = h.candles(exchange, 'BTC/USDT', '1m')[0]?.timestamp ?? 0;
    return { h, omitted, first };
  }

  const gapRequests = (h: FeedHarness, exchange: FakeExchangeId, omitted: number): number =>
    backfillQueries(h, exchange, wire(exchange)).filter((query) => query.since === omitted).length;

  it.each<FakeExchangeId>(['binance', 'bybit'])(
    '%s: a candle missing from two answers and then served is filled, in order, newer candles held meanwhile',
    async (exchange) => {
      const { h, omitted, first } = await withOmittedCandle(exchange, { attempts: 4, retryMs: M });
      await h.runMinutes(4);

      const pending = h.feed(exchange).status().markets[0];
      expect(pending?.pendingGaps).toEqual([
        expect.objectContaining({ from: omitted, to: omitted, candles: 1, attempts: 2 }),
      ]);
      expect(pending?.awaitingBackfill).toMatchObject({ from: omitted });
      expect(gapRequests(h, exchange, omitted)).toBe(2);
      // Nothing newer is published while the hole is open.
      expect(h.candles(exchange, 'BTC/USDT', '1m').at(-1)?.timestamp).toBe(omitted - M);

      h.server.clearFaults(exchange);
      await h.runMinutes(3);

      const got = h.candles(exchange, 'BTC/USDT', '1m');
      expect(got).toEqual(h.expected(exchange, 'BTC/USDT', '1m', first));
      expect(got.some((candle) => candle.timestamp === omitted)).toBe(true);
      const status = h.feed(exchange).status().markets[0];
      expect(status).toMatchObject({ pendingGaps: [], missing: 0, missingGaps: [], awaitingBackfill: null });
      expect(h.logger.lines).toContain(
        `log ${exchange} BTC/USDT 1m: 1 candle(s) at ${new Date(omitted).toISOString()} filled after 2 answer(s) lacked them`,
      );
    },
  );

  it.each<FakeExchangeId>(['binance', 'bybit'])(
    '%s: a candle never served is declared missing after gaps.attempts answers, once, and listed in status',
    async (exchange) => {
      const { h, omitted, first } = await withOmittedCandle(exchange, { attempts: 3, retryMs: M });
      // Minute by minute: the answers that lacked it so far, while pending.
      const timeline: string[] = [];
      for (let minute = 0; minute < 8; minute++) {
        await h.runMinutes(1);
        const stream = h.feed(exchange).status().markets[0];
        timeline.push(stream?.missing === 1 ? 'missing' : String(stream?.pendingGaps[0]?.attempts ?? '-'));
      }

      // Seen once the next candle closes, asked again 1 minute later, then 2 minutes later.
      expect(timeline).toEqual(['-', '-', '1', '2', '2', 'missing', 'missing', 'missing']);
      expect(gapRequests(h, exchange, omitted)).toBe(3);
      const status = h.feed(exchange).status().markets[0];
      expect(status).toMatchObject({
        missing: 1,
        missingGaps: [expect.objectContaining({ from: omitted, to: omitted, candles: 1, attempts: 3 })],
        pendingGaps: [],
        awaitingBackfill: null,
      });
      const declared = h.logger.lines.filter((line) => line.includes('declared missing'));
      expect(declared).toEqual([
        `warn ${exchange} BTC/USDT 1m: the exchange has no candles for 1 interval(s) at ${new Date(omitted).toISOString()} after 3 answer(s); declared missing, going on without them`,
      ]);
      // Everything else, in order, up to the clock.
      const expected = h.expected(exchange, 'BTC/USDT', '1m', first).filter((c) => c.timestamp !== omitted);
      expect(h.candles(exchange, 'BTC/USDT', '1m')).toEqual(expected);
    },
  );
});
