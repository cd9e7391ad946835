import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { loadConfig } from '@app/config';
import type { Candle } from '@app/confluence';
import { EventBus, MarketEventName, type Timeframe, timeframeToMs } from '@app/contracts';
import { type MarketDataStatus, warmupCandlesFor } from '@app/market';
import { OrderBookRepository, StoreWriter } from '@app/persistence';
import { initServiceApp, type ReadinessBody } from '@app/platform';
import {
  alignedFakeDataset,
  type ConfigFixture,
  createConfigFixture,
  FakeExchangeServer,
  httpServerOf,
} from '@app/testing';
import { SteppedClock } from '../libs/testing/src/stepped-clock.js';
import { marketDataApp } from './market-data-kit.js';

/**
 * The "done when" of issue #5: market-data as Nest runs it, on live ccxt clients pointed at the
 * loopback fake Binance and Bybit, with a consumer subscribed to the bus. Through a rate limit,
 * 500s and one exchange going down, the consumer's series stay contiguous and deduplicated, and
 * /health/market-data names each exchange's status.
 *
 * Market time is virtual and moves only while both exchange feeds sleep on it, so the app does
 * the same work in the same order on an idle or a saturated machine (it once ran on a clock 300×
 * the wall clock, and under load the market data ran out before the feeds caught up).
 */

const MARKETS: readonly [string, Timeframe][] = [
  ['BTC/USDT', '1m'],
  ['BTC/USDT', '5m'],
  ['LTC/USDT', '1m'],
  ['LTC/USDT', '5m'],
];
/** What health says of each kind of an exchange configured to poll. */
const POLLING = { candles: 'polling', trades: 'polling', orderBook: 'polling' };
/** One polling loop per exchange runs on the clock. */
const FEEDS = 2;
/** Virtual time any one wait below may take before the test fails; each needs a few minutes. */
const WITHIN_MS = 60 * 60_000;

let clock: SteppedClock;
let server: FakeExchangeServer;
let fixture: ConfigFixture;
let app: INestApplication;
let books: OrderBookRepository;
let writer: StoreWriter;
const received = new Map<string, Candle[]>();

function yamlMap(urls: Readonly<Record<string, string>>): string {
  return `{ ${Object.entries(urls)
    .map(([key, url]) => `${key}: '${url}'`)
    .join(', ')} }`;
}

function series(exchange: string, symbol: string, timeframe: Timeframe): Candle[] {
  return received.get(`${exchange} ${symbol} ${timeframe}`) ?? [];
}

async function until(condition: () => boolean | Promise<boolean>, what: string): Promise<void> {
  await clock.runUntil(condition, what, WITHIN_MS);
}

async function health(): Promise<{ code: number; body: MarketDataStatus }> {
  const response = await request(httpServerOf(app)).get('/health/market-data');
  return { code: response.status, body: response.body as MarketDataStatus };
}

/** `/health/ready`, the shape every app answers (libs/platform), with its checks. */
async function ready(): Promise<{ code: number; body: ReadinessBody; cacheControl: unknown }> {
  const response = await request(httpServerOf(app)).get('/health/ready');
  return {
    code: response.status,
    body: response.body as ReadinessBody,
    cacheControl: response.headers['cache-control'],
  };
}

function exchangeStatus(body: MarketDataStatus, id: string): string | undefined {
  return body.exchanges.find((exchange) => exchange.exchange === id)?.status;
}

beforeAll(async () => {
  const dataset = alignedFakeDataset();
  const first = dataset.get('binance', 'BTC/USDT', '1m')?.[0]?.timestamp ?? 0;
  clock = new SteppedClock(first + 1_200 * 60_000 + 30_000, FEEDS);
  server = await FakeExchangeServer.start({ now: () => clock.now(), dataset });
  const exchange = (id: string, urls: Readonly<Record<string, string>>, record: string): string =>
    `  - id: ${id}\n    symbols: [BTC/USDT, LTC/USDT]\n    timeframes: [1m, 5m]\n` +
    `    data: { candles: true, orderBook: { enabled: true, depth: 10, record: [${record}] }, trades: true, fundingRate: true, openInterest: true, longShortRatio: false }\n` +
    `    polling: { candlesMs: 5000, orderBookMs: 30000, tradesMs: 30000, derivativesMs: 300000 }\n` +
    `    requestTimeoutMs: 30000\n    transport: polling\n    apiUrls: ${yamlMap(urls)}\n`;
  fixture = createConfigFixture({
    'exchanges.yaml':
      'source: live\nretry: { baseMs: 500, maxMs: 5000 }\nbreaker: { openMs: 10000, maxOpenMs: 20000 }\nexchanges:\n' +
      exchange('binance', server.binanceApiUrls(), 'BTC/USDT') +
      exchange('bybit', server.bybitApiUrls(), ''),
  });
  const config = loadConfig({ env: { CONFIG_DIR: fixture.dir } });
  const built = await marketDataApp(config, clock);
  const { moduleRef } = built;
  app = built.app;
  // Subscribe before the app starts publishing: the consumer must see the warm-up too.
  moduleRef.get(EventBus).subscribe(MarketEventName.CandleClosed, (event) => {
    const key = `${event.exchange} ${event.symbol} ${event.timeframe}`;
    const { timestamp, open, high, low, close, volume } = event.candle;
    received.set(key, [...(received.get(key) ?? []), { timestamp, open, high, low, close, volume }]);
  });
  books = moduleRef.get(OrderBookRepository);
  writer = moduleRef.get(StoreWriter);
  await initServiceApp(app);
});

afterAll(async () => {
  await app.close();
  await server.stop();
  fixture.cleanup();
});

describe('market-data on the fake exchanges (issue #5, done when)', () => {
  it('delivers contiguous, deduplicated closed candles through faults, and health names each exchange', async () => {
    const warmup = warmupCandlesFor(loadConfig({ env: { CONFIG_DIR: fixture.dir } }).indicators);
    const count = (id: string): number => series(id, 'BTC/USDT', '1m').length;
    await until(() => count('binance') >= warmup && count('bybit') >= warmup, 'the warm-up backfill');
    const warm = (await health()).body;
    // With each exchange's reason, so a failure says what went wrong.
    expect({
      source: warm.source,
      status: warm.status,
      reasons: warm.exchanges.map((e) => e.reason),
    }).toEqual({
      source: 'live',
      status: 'ok',
      reasons: [null, null],
    });
    // market-data alone answers readiness as every app does: its exchanges, write path and bus.
    const readyWarm = await ready();
    expect(readyWarm).toMatchObject({ code: 200, cacheControl: 'no-store' });
    expect(readyWarm.body).toEqual({
      status: 'ok',
      checks: {
        exchanges: {
          status: 'up',
          source: 'live',
          exchanges: [
            { exchange: 'binance', status: 'ok', reason: null, streams: POLLING },
            { exchange: 'bybit', status: 'ok', reason: null, streams: POLLING },
          ],
        },
        writes: { status: 'up', pending: expect.any(Number), dropped: 0, written: expect.any(Number) },
        bus: { status: 'up', transport: 'in-process', rejected: 0, handlerErrors: 0 },
      },
    });

    // A 429 with Retry-After on Binance and two 500s on Bybit.
    server.fault('binance', { kind: 'rateLimit', retryAfterSeconds: 20 }, { endpoint: 'klines', times: 1 });
    server.fault('bybit', { kind: 'serverError', status: 500 }, { endpoint: 'klines', times: 2 });
    const before = count('binance');
    await until(() => count('binance') >= before + 3, 'Binance after its 429');

    // Bybit goes down; Binance keeps publishing, and health says which is which.
    server.setDown('bybit', true);
    let status = await health();
    await until(async () => {
      status = await health();
      return exchangeStatus(status.body, 'bybit') === 'down';
    }, 'Bybit reported down');
    expect(status.code).toBe(200);
    expect(status.body.status).toBe('degraded');
    expect(exchangeStatus(status.body, 'binance')).toBe('ok');
    const bybit = status.body.exchanges.find((exchange) => exchange.exchange === 'bybit');
    expect(bybit).toMatchObject({ breaker: expect.stringMatching(/open/), lastError: { kind: 'network' } });
    // Readiness agrees: degraded, not down (Binance still publishes), naming Bybit and why.
    const readyWhileDown = await ready();
    expect(readyWhileDown.code).toBe(200);
    expect(readyWhileDown.body).toMatchObject({
      status: 'degraded',
      checks: {
        exchanges: { status: 'degraded', message: `bybit: ${bybit?.reason ?? ''}` },
        writes: { status: 'up' },
        bus: { status: 'up' },
      },
    });
    const binanceWhileDown = count('binance');
    await until(() => count('binance') >= binanceWhileDown + 3, 'Binance while Bybit is down');

    // Bybit comes back and backfills what it missed.
    server.setDown('bybit', false);
    await until(async () => {
      status = await health();
      return status.body.status === 'ok';
    }, 'both exchanges ok again');
    await until(() => count('bybit') >= count('binance') - 1, 'Bybit to catch up');

    for (const id of ['binance', 'bybit']) {
      for (const [symbol, timeframe] of MARKETS) {
        const got = series(id, symbol, timeframe);
        const interval = timeframeToMs(timeframe);
        expect(got.length).toBeGreaterThanOrEqual(warmup);
        got.forEach((candle, index) => {
          if (index > 0) expect(candle.timestamp - (got[index - 1] as Candle).timestamp).toBe(interval);
        });
        // The exchange's recorded values, never a forming candle's.
        const recorded = new Map(
          alignedFakeDataset()
            .get('binance', symbol, timeframe)
            ?.map((c) => [c.timestamp, c]),
        );
        for (const candle of got) expect(candle).toEqual(recorded.get(candle.timestamp));
      }
    }
  });

  it('records the order books of the markets listed under orderBook.record, and only those', async () => {
    await until(async () => {
      await writer.flush();
      return (await books.range({ exchange: 'binance', symbol: 'BTC/USDT' })).length >= 2;
    }, 'recorded Binance BTC/USDT books');
    const recorded = await books.range({ exchange: 'binance', symbol: 'BTC/USDT' });
    for (const book of recorded) {
      expect(book.bids.length).toBeGreaterThan(0);
      expect((book.bids[0]?.price ?? Infinity) < (book.asks[0]?.price ?? 0)).toBe(true);
    }
    expect(await books.range({ exchange: 'binance', symbol: 'LTC/USDT' })).toEqual([]);
    expect(await books.range({ exchange: 'bybit', symbol: 'BTC/USDT' })).toEqual([]);
  });
});
