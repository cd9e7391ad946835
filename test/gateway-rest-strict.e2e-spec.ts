import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { FakeExchangeServer } from '@app/testing';
import {
  BOOT_TIMEOUT_MS,
  bodyOf,
  expectError,
  fail,
  type LocalGateway,
  type MarketView,
  rateLimitPatches,
  startLocalGateway,
  syntheticCandles,
  testApiKey,
} from './gateway-kit.js';

/**
 * The gateway's REST API with reads requiring a key, a small body limit and small rate limits,
 * and market data that never arrives (the exchange is down): 401, 413, 429 and degraded readiness.
 */

const alpha = testApiKey('alpha');
const beta = testApiKey('beta');

describe('with reads requiring a key, small limits, and the exchange down', () => {
  let strict: LocalGateway | undefined;
  let fake: FakeExchangeServer | undefined;
  const strictApi = (): ReturnType<typeof request> => request((strict ?? fail()).server);

  beforeAll(async () => {
    const server = await FakeExchangeServer.start({ now: () => Date.now() });
    fake = server;
    server.setDown('binance', true);
    const urls = Object.entries(server.binanceApiUrls())
      .map(([key, url]) => `${key}: '${url}'`)
      .join(', ');
    strict = await startLocalGateway({
      apiKeys: [alpha, beta],
      awaitReplay: false,
      patches: [
        { file: 'app.yaml', from: 'readsRequireKey: false', to: 'readsRequireKey: true' },
        { file: 'app.yaml', from: 'bodyLimitBytes: 2097152', to: 'bodyLimitBytes: 4096' },
        ...rateLimitPatches({ analyze: 2 }),
      ],
      writes: {
        'exchanges.yaml':
          'source: live\nretry: { baseMs: 500, maxMs: 5000 }\nbreaker: { openMs: 10000, maxOpenMs: 20000 }\nexchanges:\n' +
          '  - id: binance\n    symbols: [BTC/USDT, LTC/USDT]\n    timeframes: [1m, 5m]\n' +
          '    data: { candles: true, orderBook: { enabled: false, depth: 10, record: [] }, trades: false, fundingRate: false, openInterest: false, longShortRatio: false }\n' +
          '    polling: { candlesMs: 5000, orderBookMs: 30000, tradesMs: 30000, derivativesMs: 300000 }\n' +
          `    requestTimeoutMs: 30000\n    transport: polling\n    apiUrls: { ${urls} }\n`,
      },
    });
  }, BOOT_TIMEOUT_MS);

  afterAll(async () => {
    await strict?.close();
    await fake?.stop();
  });

  it('answers reads only with a configured key', async () => {
    const none = expectError(await strictApi().get('/v1/markets'), 401);
    const withKey = await strictApi().get('/v1/markets').set('X-API-Key', beta.key).expect(200);
    expectError(await strictApi().get('/v1/confluence/binance/BTC-USDT'), 401);
    expectError(await strictApi().get('/v1/signals'), 401);

    expect(none.message).toMatch(/X-API-Key/);
    expect(
      bodyOf<{ markets: MarketView[] }>(withKey).markets.map(
        ({ symbol, timeframe, status, source, candlesSeen }) =>
          `${symbol} ${timeframe} ${status} ${source} ${candlesSeen}`,
      ),
    ).toEqual([
      'BTC/USDT 1m waiting null 0',
      'BTC/USDT 5m waiting null 0',
      'LTC/USDT 1m waiting null 0',
      'LTC/USDT 5m waiting null 0',
    ]);
    // Ops endpoints stay open to probes and scrapers.
    await strictApi().get('/health/live').expect(200);
    await strictApi().get('/metrics').expect(200);
  });

  it('reports readiness degraded, naming the streams without candles, while the store is up', async () => {
    const response = await strictApi().get('/health/ready').expect(200);

    expect(response.body).toMatchObject({
      status: 'degraded',
      checks: {
        store: { status: 'up' },
        writes: { status: 'up' },
        bus: { status: 'up' },
        marketData: {
          status: 'degraded',
          message: expect.stringMatching(
            /^binance: no recent closed candle for BTC\/USDT 1m, BTC\/USDT 5m, LTC\/USDT 1m, LTC\/USDT 5m$/,
          ),
        },
      },
    });
    expect(fake?.unknownRequests()).toEqual([]);
  });

  it('answers 413 for a body over http.bodyLimitBytes, with the error shape and request id', async () => {
    const response = await strictApi()
      .post('/v1/indicators')
      .set('X-API-Key', alpha.key)
      .set('X-Request-Id', 'big-body-1')
      .send({ candles: syntheticCandles(60) });

    expect(expectError(response, 413).requestId).toBe('big-body-1');
    await strictApi()
      .post('/v1/indicators')
      .set('X-API-Key', alpha.key)
      .send({ candles: syntheticCandles(5) })
      .expect(200);
  });

  it('answers 429 with Retry-After past the route limit, per key and per route', async () => {
    const body = { symbol: 'BTC/USDT', candles: { '1m': syntheticCandles(3) } };
    const analyze = (key: string): request.Test =>
      strictApi().post('/v1/confluence/analyze').set('X-API-Key', key).send(body);

    // Too few candles: 400, but each call counts.
    expectError(await analyze(alpha.key), 400);
    expectError(await analyze(alpha.key), 400);
    const limited = await analyze(alpha.key);

    const error = expectError(limited, 429);
    expect(error.error).toBe('Too Many Requests');
    const retryAfter = Number(limited.headers['retry-after']);
    expect(Number.isInteger(retryAfter)).toBe(true);
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(60);
    // Another key has its own budget; the limited key still has its budget on other routes.
    expectError(await analyze(beta.key), 400);
    await strictApi()
      .post('/v1/indicators')
      .set('X-API-Key', alpha.key)
      .send({ candles: syntheticCandles(5) })
      .expect(200);
    expectError(await analyze(alpha.key), 429);
  });
});
