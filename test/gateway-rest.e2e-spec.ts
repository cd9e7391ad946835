import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import request from 'supertest';
import type { Timeframe } from '@app/contracts';
import { ResultRepository, SignalRepository, type StoredResult } from '@app/persistence';
import { loadMarketCandles, MARKET_FILES } from '@app/testing';
import {
  bodyOf,
  type ErrorBody,
  expectError,
  type LocalGateway,
  type MarketView,
  rateLimitPatches,
  syntheticCandles,
  SHORT_REPLAY,
  startLocalGateway,
  testApiKey,
} from './gateway-kit.js';

/**
 * The gateway's REST API over the real local-mode app (market-data replay → worker → store →
 * gateway): every endpoint, every error status, request ids, security headers and CORS.
 */

const alpha = testApiKey('alpha');
const beta = testApiKey('beta');
/** Replayed markets: BTC 1m/5m and LTC 1m score; ETH 1m gets 30 candles, fewer than the warm-up. */
const ETH_FILE = 'ETH-USDT_1m_2021-02-19_binance.csv';
const ETH_CANDLES = 30;

/** The CLI's indicator names (README, "Indicator export and scoring CLI"). */
const CLI_INDICATORS = [
  'SMA_20',
  'EMA_9',
  'EMA_21',
  'EMA_50',
  'RSI_14',
  'MACD_12_26_9_macd',
  'MACD_12_26_9_signal',
  'MACD_12_26_9_hist',
  'BB_20_2_upper',
  'BB_20_2_middle',
  'BB_20_2_lower',
  'ATR_14',
  'ADX_14',
  'PLUS_DI_14',
  'MINUS_DI_14',
  'STOCH_14_3_3_k',
  'STOCH_14_3_3_d',
  'WILLR_14',
  'CCI_20',
  'ROC_10',
  'OBV',
  'MFI_14',
  'AO_5_34',
];

interface HistoryBody {
  readonly items: readonly Record<string, unknown>[];
  readonly nextCursor: string | null;
}

function fieldsOf(body: ErrorBody): string[] {
  return (body.errors ?? []).map((issue) => issue.field).sort();
}

const iso = (ms: number): string => new Date(ms).toISOString();
const candleTimeOf = (item: Record<string, unknown>): number => Date.parse(String(item.candleTime));

let gw: LocalGateway;
let results: ResultRepository;
let signals: SignalRepository;

async function storedLatest(exchange: string, symbol: string, timeframe: Timeframe): Promise<StoredResult> {
  const found = await results.latest({ exchange, symbol, timeframe });
  if (found === null) throw new Error(`no stored result for ${exchange} ${symbol} ${timeframe}`);
  return found;
}

/** Every stored result of a stream, newest first, straight from the repository. */
async function storedAll(exchange: string, symbol: string, timeframe: Timeframe): Promise<StoredResult[]> {
  const all: StoredResult[] = [];
  let cursor: string | undefined;
  do {
    const page = await results.history({
      market: { exchange, symbol, timeframe },
      limit: 1000,
      ...(cursor === undefined ? {} : { cursor }),
    });
    all.push(...page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor !== undefined);
  return all;
}

/** The score as REST shows it (the full shape rounds to 4 decimals). */
const scoreOf = (stored: StoredResult): unknown => stored.breakdown.score;

const asRest = (stored: StoredResult): Record<string, unknown> => ({ ...stored.breakdown, source: 'replay' });

function api(): ReturnType<typeof request> {
  return request(gw.server);
}

beforeAll(async () => {
  gw = await startLocalGateway({
    files: [...SHORT_REPLAY, { file: MARKET_FILES.btc1m, limit: ETH_CANDLES, as: ETH_FILE }],
    apiKeys: [alpha, beta],
    patches: [
      ...rateLimitPatches({ default: 100_000, analyze: 100_000, indicators: 100_000 }),
      // Streams stay `warm` (not `stale`) for 100 intervals after the replay: no race with the clock.
      { file: 'monitoring.yaml', from: 'staleAfterIntervals: 3', to: 'staleAfterIntervals: 100' },
    ],
  });
  results = gw.app.get(ResultRepository);
  signals = gw.app.get(SignalRepository);
}, 90_000);

afterAll(async () => {
  await gw.close();
});

describe('GET /v1/markets', () => {
  it('lists every replayed stream with its status, source and last result', async () => {
    const response = await api().get('/v1/markets').expect(200);
    const markets = bodyOf<{ markets: MarketView[] }>(response).markets;

    expect(
      markets.map(({ exchange, symbol, timeframe, status, source, candlesSeen }) => ({
        exchange,
        symbol,
        timeframe,
        status,
        source,
        candlesSeen,
      })),
    ).toEqual([
      {
        exchange: 'binance',
        symbol: 'BTC/USDT',
        timeframe: '1m',
        status: 'warm',
        source: 'replay',
        candlesSeen: 400,
      },
      {
        exchange: 'binance',
        symbol: 'BTC/USDT',
        timeframe: '5m',
        status: 'warm',
        source: 'replay',
        candlesSeen: 120,
      },
      {
        exchange: 'binance',
        symbol: 'ETH/USDT',
        timeframe: '1m',
        status: 'warming-up',
        source: 'replay',
        candlesSeen: ETH_CANDLES,
      },
      {
        exchange: 'binance',
        symbol: 'LTC/USDT',
        timeframe: '1m',
        status: 'warm',
        source: 'replay',
        candlesSeen: 400,
      },
    ]);
    const btc = loadMarketCandles(MARKET_FILES.btc1m, 400);
    const latest = await storedLatest('binance', 'BTC/USDT', '1m');
    expect(markets[0]).toMatchObject({
      lastCandleTime: iso(btc[399]?.timestamp ?? 0),
      lastResult: { candleTime: iso(latest.candleTime), score: scoreOf(latest), label: latest.label },
    });
    expect(markets[2]?.lastResult).toBeNull();
  });
});

describe('GET /v1/confluence/:exchange/:symbol', () => {
  it('answers the full result the store holds as latest, for the last replayed candle', async () => {
    const btc = loadMarketCandles(MARKET_FILES.btc1m, 400);
    const stored = await storedLatest('binance', 'BTC/USDT', '1m');
    expect(stored.candleTime).toBe(btc[399]?.timestamp);

    const response = await api().get('/v1/confluence/binance/BTC-USDT?timeframe=1m').expect(200);

    expect(response.body).toEqual(asRest(stored));
    expect(response.body).toMatchObject({
      exchange: 'binance',
      symbol: 'BTC/USDT',
      timeframe: '1m',
      candleTime: iso(stored.candleTime),
      score: scoreOf(stored),
      label: stored.label,
      source: 'replay',
      replay: { inputHash: stored.inputHash, configHash: stored.configHash },
    });
  });

  it('answers 304 without a body to If-None-Match naming its ETag (strong or weak), 200 otherwise', async () => {
    const path = '/v1/confluence/binance/BTC-USDT?timeframe=1m';
    const first = await api().get(path).expect(200);
    const etag = String(first.headers.etag);
    expect(etag).toMatch(/^"[\w-]+"$/);

    for (const header of [etag, `W/${etag}`, `"other", ${etag}`, '*']) {
      const again = await api().get(path).set('If-None-Match', header).expect(304);
      expect(again.text).toBe('');
      expect(again.headers.etag).toBe(etag);
      expect(again.headers['x-request-id']).toEqual(expect.any(String));
    }
    const changed = await api().get(path).set('If-None-Match', '"not-this-one"').expect(200);
    expect(changed.body).toEqual(first.body);
    // Another stream's tag does not match this one.
    const other = await api().get('/v1/confluence/binance/BTC-USDT?timeframe=5m').expect(200);
    expect(other.headers.etag).not.toBe(etag);
    await api().get(path).set('If-None-Match', String(other.headers.etag)).expect(200);
  });

  it("defaults to the market's shortest tracked timeframe and serves the others on ?timeframe=", async () => {
    const byDefault = await api().get('/v1/confluence/binance/BTC-USDT').expect(200);
    const fiveMinutes = await api().get('/v1/confluence/binance/BTC-USDT?timeframe=5m').expect(200);
    const btc5m = loadMarketCandles(MARKET_FILES.btc5m, 120);

    expect(byDefault.body).toEqual(asRest(await storedLatest('binance', 'BTC/USDT', '1m')));
    expect(fiveMinutes.body).toEqual(asRest(await storedLatest('binance', 'BTC/USDT', '5m')));
    expect(bodyOf<{ candleTime: string }>(fiveMinutes).candleTime).toBe(iso(btc5m[119]?.timestamp ?? 0));
  });

  it('takes the symbol as BTC-USDT or as an encoded BTC/USDT', async () => {
    const dashed = await api().get('/v1/confluence/binance/LTC-USDT').expect(200);
    const slashed = await api().get('/v1/confluence/binance/LTC%2FUSDT').expect(200);

    expect(dashed.body).toEqual(asRest(await storedLatest('binance', 'LTC/USDT', '1m')));
    expect(slashed.body).toEqual(dashed.body);
  });

  it('answers 404 for an unknown market, an untracked timeframe, and a market still warming up', async () => {
    const unknown = expectError(await api().get('/v1/confluence/binance/DOGE-USDT'), 404);
    const otherExchange = expectError(await api().get('/v1/confluence/kraken/BTC-USDT'), 404);
    const timeframe = expectError(await api().get('/v1/confluence/binance/BTC-USDT?timeframe=15m'), 404);
    const warming = expectError(await api().get('/v1/confluence/binance/ETH-USDT'), 404);

    expect(unknown.message).toContain('DOGE/USDT');
    expect(otherExchange.message).toContain('kraken');
    expect(timeframe.message).toContain('15m');
    expect(warming.message).toMatch(/no result yet for binance ETH\/USDT 1m/);
  });

  it('answers 400 naming the path parameters and the timeframe that are malformed', async () => {
    const path = expectError(await api().get('/v1/confluence/BINANCE/btc_usdt'), 400);
    const timeframe = expectError(await api().get('/v1/confluence/binance/BTC-USDT?timeframe=7m'), 400);
    const unknownQuery = expectError(await api().get('/v1/confluence/binance/BTC-USDT?window=5'), 400);

    expect(fieldsOf(path)).toEqual(['exchange', 'symbol']);
    expect(fieldsOf(timeframe)).toEqual(['timeframe']);
    expect(unknownQuery.errors).toEqual([{ field: 'window', message: 'property should not exist' }]);
  });
});

describe('GET /v1/confluence/:exchange/:symbol/history', () => {
  it('pages through every stored result newest first, without duplicates or gaps', async () => {
    const stored = await storedAll('binance', 'BTC/USDT', '1m');
    const btc = loadMarketCandles(MARKET_FILES.btc1m, 400);
    // A result for every candle from the warm-up on, the newest being the last candle.
    expect(stored.length).toBeGreaterThan(300);
    expect(stored[0]?.candleTime).toBe(btc[399]?.timestamp);

    const items: Record<string, unknown>[] = [];
    const pageSizes: number[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const query: string = cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`;
      const response = await api()
        .get(`/v1/confluence/binance/BTC-USDT/history?timeframe=1m&limit=37${query}`)
        .expect(200);
      const page = bodyOf<HistoryBody>(response);
      items.push(...page.items);
      pageSizes.push(page.items.length);
      cursor = page.nextCursor;
      pages++;
    } while (cursor !== null && pages < 100);

    const times = items.map(candleTimeOf);
    expect(new Set(times).size).toBe(times.length);
    expect(times).toEqual([...times].sort((a, b) => b - a));
    expect(times).toEqual(stored.map((r) => r.candleTime));
    expect(pageSizes.slice(0, -1).every((size) => size === 37)).toBe(true);
    expect(pageSizes.at(-1)).toBe(stored.length - 37 * (pageSizes.length - 1));
    expect(items[0]).toEqual(asRest(stored[0] ?? fail()));
    expect(items.at(-1)).toEqual(asRest(stored.at(-1) ?? fail()));
  });

  it('bounds the results by from/to (inclusive) and pages within the bounds', async () => {
    const stored = await storedAll('binance', 'LTC/USDT', '1m');
    const to = stored[40]?.candleTime ?? fail();
    const from = stored[60]?.candleTime ?? fail();
    const want = stored.slice(40, 61).map((r) => r.candleTime);

    const first = bodyOf<HistoryBody>(
      await api().get(`/v1/confluence/binance/LTC-USDT/history?from=${from}&to=${to}&limit=15`).expect(200),
    );
    expect(first.items).toHaveLength(15);
    expect(first.nextCursor).toEqual(expect.any(String));
    const second = bodyOf<HistoryBody>(
      await api()
        .get(
          `/v1/confluence/binance/LTC-USDT/history?from=${from}&to=${to}&limit=15&cursor=${encodeURIComponent(first.nextCursor ?? '')}`,
        )
        .expect(200),
    );
    expect(second.nextCursor).toBeNull();
    expect([...first.items, ...second.items].map(candleTimeOf)).toEqual(want);

    const fromOnly = bodyOf<HistoryBody>(
      await api().get(`/v1/confluence/binance/LTC-USDT/history?from=${from}&limit=1000`).expect(200),
    );
    expect(fromOnly.items.map(candleTimeOf)).toEqual(stored.slice(0, 61).map((r) => r.candleTime));
    const toOnly = bodyOf<HistoryBody>(
      await api().get(`/v1/confluence/binance/LTC-USDT/history?to=${to}&limit=3`).expect(200),
    );
    expect(toOnly.items.map(candleTimeOf)).toEqual(stored.slice(40, 43).map((r) => r.candleTime));
  });

  it('answers 400 for limit=0, limit over 1000, negative or non-integer bounds, from > to, and a forged cursor', async () => {
    const base = '/v1/confluence/binance/BTC-USDT/history';
    const zero = expectError(await api().get(`${base}?limit=0`), 400);
    const over = expectError(await api().get(`${base}?limit=1001`), 400);
    const bounds = expectError(await api().get(`${base}?from=-1&to=abc`), 400);
    const order = expectError(await api().get(`${base}?from=200&to=100`), 400);
    const cursor = expectError(
      await api().get(`${base}?cursor=${Buffer.from('t:abc').toString('base64url')}`),
      400,
    );
    const long = expectError(await api().get(`${base}?cursor=${'x'.repeat(201)}`), 400);

    expect(fieldsOf(zero)).toEqual(['limit']);
    expect(fieldsOf(over)).toEqual(['limit']);
    expect(new Set(fieldsOf(bounds))).toEqual(new Set(['from', 'to']));
    expect(order.errors).toEqual([{ field: 'from', message: 'must be ≤ to' }]);
    expect(cursor.errors).toEqual([{ field: 'cursor', message: 'is not a cursor this service issued' }]);
    expect(fieldsOf(long)).toEqual(['cursor']);
  });
});

describe('GET /v1/confluence?markets=', () => {
  it('answers in the order asked, null where a stream has no result, BTC/USDT and BTC-USDT alike', async () => {
    const response = await api()
      .get(
        `/v1/confluence?markets=${encodeURIComponent('binance:LTC/USDT,binance:ETH-USDT:1m,binance:BTC-USDT:5m,binance:BTC/USDT')}`,
      )
      .expect(200);

    expect(bodyOf<{ results: unknown[] }>(response).results).toEqual([
      asRest(await storedLatest('binance', 'LTC/USDT', '1m')),
      null,
      asRest(await storedLatest('binance', 'BTC/USDT', '5m')),
      asRest(await storedLatest('binance', 'BTC/USDT', '1m')),
    ]);
  });

  it('answers 400 for a missing list, a malformed entry, a bad timeframe or more than 50 markets; 404 for an unknown one', async () => {
    const missing = expectError(await api().get('/v1/confluence'), 400);
    const malformed = expectError(await api().get('/v1/confluence?markets=binance:BTC-USDT,a:b:c:d'), 400);
    const timeframe = expectError(await api().get('/v1/confluence?markets=binance:BTC-USDT:7m'), 400);
    const many = expectError(
      await api().get(
        `/v1/confluence?markets=${Array.from({ length: 51 }, () => 'binance:BTC-USDT').join(',')}`,
      ),
      400,
    );
    const unknown = expectError(
      await api().get('/v1/confluence?markets=binance:BTC-USDT,binance:DOGE-USDT'),
      404,
    );

    expect(fieldsOf(missing).every((field) => field === 'markets')).toBe(true);
    expect(fieldsOf(missing).length).toBeGreaterThan(0);
    expect(fieldsOf(malformed)).toEqual(['markets[1]']);
    expect(fieldsOf(timeframe)).toEqual(['markets[0]']);
    expect(fieldsOf(many)).toEqual(['markets']);
    expect(unknown.message).toContain('DOGE/USDT');
  });
});

describe('POST /v1/confluence/analyze', () => {
  const candles = loadMarketCandles(MARKET_FILES.btc1m, 500);
  const last = candles[499] ?? fail();
  const analyze = (body: unknown, key = alpha.key): request.Test =>
    api()
      .post('/v1/confluence/analyze')
      .set('X-API-Key', key)
      .send(body as object);

  it('scores 500 real candles as of the last close, the same body giving the same result', async () => {
    const body = { symbol: 'BTC/USDT', candles: { '1m': candles } };

    const first = await analyze(body).expect(200);
    const second = await analyze(body).expect(200);

    expect(first.body).toMatchObject({
      exchange: 'custom',
      symbol: 'BTC/USDT',
      timeframe: '1m',
      candleTime: iso(last.timestamp),
      computedAt: iso(last.timestamp + 60_000),
      source: 'client',
      stored: false,
      score: expect.any(Number),
      replay: {
        inputHash: expect.stringMatching(/^[0-9a-f]{64}$/),
        configHash: expect.stringMatching(/^[0-9a-f]{64}$/),
      },
    });
    const score = bodyOf<{ score: number }>(first).score;
    expect(score).toBeGreaterThanOrEqual(0);
    expect(score).toBeLessThanOrEqual(100);
    expect(second.body).toEqual(first.body);
    // A different series scores differently: the hash follows the candles.
    const other = await analyze({ symbol: 'BTC/USDT', candles: { '1m': candles.slice(1) } }).expect(200);
    expect(bodyOf<{ replay: { inputHash: string } }>(other).replay.inputHash).not.toBe(
      bodyOf<{ replay: { inputHash: string } }>(first).replay.inputHash,
    );
  });

  it('takes a gzip, deflate or brotli compressed body and answers as for the plain one', async () => {
    const body = JSON.stringify({ symbol: 'BTC/USDT', candles: { '1m': candles } });
    const plain = await analyze(JSON.parse(body)).expect(200);
    const compressions = [
      ['gzip', gzipSync],
      ['deflate', deflateSync],
      ['br', brotliCompressSync],
    ] as const;
    for (const [encoding, compress] of compressions) {
      const packed = compress(Buffer.from(body));
      expect(packed.length).toBeLessThan(body.length / 3);
      const response = await api()
        .post('/v1/confluence/analyze')
        .set('X-API-Key', alpha.key)
        .set('Content-Type', 'application/json')
        .set('Content-Encoding', encoding)
        // superagent would serialise a Buffer to JSON under a JSON content type.
        .serialize((value: unknown) => value as string)
        .send(packed);
      expect([encoding, response.status, response.body]).toEqual([encoding, 200, plain.body]);
    }
  });

  it('gives the candles the pipeline replayed the same input hash as the stored result', async () => {
    const ltc = loadMarketCandles(MARKET_FILES.ltc1m, 400);
    const stored = await storedLatest('binance', 'LTC/USDT', '1m');

    const posted = await analyze({ symbol: 'LTC/USDT', exchange: 'binance', candles: { '1m': ltc } }).expect(
      200,
    );

    expect(posted.body).toMatchObject({
      candleTime: iso(stored.candleTime),
      score: scoreOf(stored),
      label: stored.label,
      replay: { inputHash: stored.inputHash, configHash: stored.configHash },
    });
  });

  it('stores the result under a market the service does not track with store: true', async () => {
    const body = { symbol: 'BTC/USDT', exchange: 'mybot', store: true, candles: { '1m': candles } };

    const response = await analyze(body).expect(200);

    expect(response.body).toMatchObject({
      exchange: 'mybot',
      symbol: 'BTC/USDT',
      stored: true,
      source: 'client',
    });
    const stored = await storedLatest('mybot', 'BTC/USDT', '1m');
    expect(response.body).toEqual({ ...stored.breakdown, source: 'client', stored: true });
    expect(stored.candleTime).toBe(last.timestamp);
  });

  it('serves a result stored with store: true through GET latest and history', async () => {
    await analyze({ symbol: 'LTC/USDT', exchange: 'mybotb', store: true, candles: { '1m': candles } }).expect(
      200,
    );
    const stored = await storedLatest('mybotb', 'LTC/USDT', '1m');

    const latest = await api().get('/v1/confluence/mybotb/LTC-USDT');
    const history = await api().get('/v1/confluence/mybotb/LTC-USDT/history');

    expect({ status: latest.status, candleTime: bodyOf<{ candleTime?: string }>(latest).candleTime }).toEqual(
      {
        status: 200,
        candleTime: iso(stored.candleTime),
      },
    );
    expect(history.status).toBe(200);
    expect(bodyOf<HistoryBody>(history).items.map(candleTimeOf)).toEqual([stored.candleTime]);
  });

  it('refuses store: true for a stream the service tracks, and stores nothing', async () => {
    const before = await storedLatest('binance', 'BTC/USDT', '1m');

    const response = await analyze({
      symbol: 'BTC-USDT',
      exchange: 'binance',
      store: true,
      candles: { '1m': candles },
    });

    const body = expectError(response, 400);
    expect(fieldsOf(body)).toEqual(['store']);
    expect(await storedLatest('binance', 'BTC/USDT', '1m')).toEqual(before);
    expect((await storedAll('binance', 'BTC/USDT', '1m')).some((r) => r.candleTime > before.candleTime)).toBe(
      false,
    );
  });

  it('answers 400 naming candles when there are too few to score', async () => {
    const body = expectError(
      await analyze({ symbol: 'BTC/USDT', candles: { '1m': candles.slice(0, 10) } }),
      400,
    );

    expect(body.errors).toEqual([{ field: 'candles', message: expect.stringMatching(/too few candles/) }]);
  });

  it('lists every offending field with its path in one 400', async () => {
    const bad: Record<string, unknown>[] = candles.slice(0, 60).map((c) => ({ ...c }));
    const at = (i: number): Record<string, unknown> => bad[i] ?? fail();
    at(3).close = Number(at(3).high) + 1; // high < close
    at(5).timestamp = Number(at(5).timestamp) + 1; // not a 1m open time
    at(7).timestamp = at(6).timestamp; // not later than the previous candle
    at(8).volume = -1;
    at(9).close = 'NaN';
    at(11).extra = true;

    const response = await analyze({
      symbol: 'btc usdt',
      foo: 1,
      store: 'yes',
      candles: { '1m': bad, '7m': [] },
    });

    const body = expectError(response, 400);
    expect(fieldsOf(body)).toEqual(
      [
        'candles.1m[3].high',
        'candles.1m[5].timestamp',
        'candles.1m[7].timestamp',
        'candles.1m[8].volume',
        'candles.1m[9].close',
        'candles.1m[11].extra',
        'candles.7m',
        'foo',
        'store',
        'symbol',
      ].sort(),
    );
    expect(body.errors).toContainEqual({
      field: 'candles.1m[3].high',
      message: 'must be ≥ max(open, close)',
    });
    expect(body.errors).toContainEqual({ field: 'foo', message: 'property should not exist' });
    expect(body.message).toMatch(/^invalid input: /);
  });

  it('answers 400 for more than 5,000 candles in a timeframe', async () => {
    const body = expectError(
      await analyze({ symbol: 'BTC/USDT', candles: { '1m': syntheticCandles(5001) } }),
      400,
    );

    expect(body.errors).toEqual([{ field: 'candles.1m', message: 'must hold at most 5000 candles' }]);
    await analyze({ symbol: 'BTC/USDT', candles: { '1m': syntheticCandles(5000) } }).expect(200);
  });

  it('answers 401 without a key or with an unknown one, and 415 for a body that is not JSON', async () => {
    const body = { symbol: 'BTC/USDT', candles: { '1m': candles.slice(0, 60) } };
    const none = expectError(await api().post('/v1/confluence/analyze').send(body), 401);
    const unknown = expectError(await analyze(body, 'ck_not-a-key'), 401);
    const text = expectError(
      await api()
        .post('/v1/confluence/analyze')
        .set('X-API-Key', alpha.key)
        .set('Content-Type', 'text/plain')
        .send(JSON.stringify(body)),
      415,
    );

    expect(none.message).toMatch(/X-API-Key/);
    expect(unknown.message).toMatch(/does not match/);
    expect(text.message).toMatch(/application\/json/);
  });
});

describe('POST /v1/indicators', () => {
  const candles = loadMarketCandles(MARKET_FILES.btc1m, 500);

  it("answers every CLI indicator as a series as long as the candles, null before each one's warm-up", async () => {
    const response = await api()
      .post('/v1/indicators')
      .set('X-API-Key', beta.key)
      .send({ candles, timeframe: '1m' })
      .expect(200);
    const body = bodyOf<{ length: number; indicators: Record<string, (number | null)[]> }>(response);

    expect(body.length).toBe(500);
    expect(Object.keys(body.indicators)).toEqual(CLI_INDICATORS);
    for (const series of Object.values(body.indicators)) expect(series).toHaveLength(500);
    const sma = body.indicators.SMA_20 ?? fail();
    expect(sma.slice(0, 19).every((v) => v === null)).toBe(true);
    // SMA: the plain mean of the last 20 closes.
    const mean = (from: number): number =>
      candles.slice(from, from + 20).reduce((s, c) => s + c.close, 0) / 20;
    expect(sma[19]).toBeCloseTo(mean(0), 8);
    expect(sma[499]).toBeCloseTo(mean(480), 8);
    const rsi = body.indicators.RSI_14 ?? fail();
    expect(rsi.slice(0, 14).every((v) => v === null)).toBe(true);
    expect(rsi.slice(14).every((v) => typeof v === 'number' && v >= 0 && v <= 100)).toBe(true);
  });

  it('answers 400 for misaligned candles when a timeframe is given, a bad timeframe, and a missing series', async () => {
    const shifted = candles
      .slice(0, 5)
      .map((c, i) => (i === 2 ? { ...c, timestamp: c.timestamp + 30_000 } : c));
    const post = (body: unknown): request.Test =>
      api()
        .post('/v1/indicators')
        .set('X-API-Key', beta.key)
        .send(body as object);

    const misaligned = expectError(await post({ candles: shifted, timeframe: '1m' }), 400);
    const timeframe = expectError(await post({ candles: candles.slice(0, 5), timeframe: '7m' }), 400);
    const missing = expectError(await post({ timeframe: '1m' }), 400);
    // Without a timeframe the same candles are only required to increase.
    await post({ candles: shifted }).expect(200);

    expect(misaligned.errors).toEqual([
      { field: 'candles[2].timestamp', message: 'must be a 1m candle open time (UTC)' },
    ]);
    expect(fieldsOf(timeframe)).toEqual(['timeframe']);
    expect(fieldsOf(missing)).toEqual(['candles']);
  });
});

describe('GET /v1/signals', () => {
  it('filters by exchange, symbol, timeframe and since, newest first, up to limit', async () => {
    const all = await signals.list({ exchange: 'binance', symbol: 'BTC/USDT', timeframe: '5m', limit: 1000 });
    expect(all.length).toBeGreaterThan(2);
    const since = all[Math.floor(all.length / 2)]?.time ?? fail();

    const filtered = await api()
      .get('/v1/signals?exchange=binance&symbol=BTC-USDT&timeframe=5m&limit=1000')
      .expect(200);
    const recent = await api().get(`/v1/signals?symbol=BTC/USDT&timeframe=5m&since=${since}`).expect(200);
    const limited = await api().get('/v1/signals?limit=2').expect(200);
    const everything = await api().get('/v1/signals?limit=1000').expect(200);

    expect(bodyOf<{ items: unknown[] }>(filtered).items).toEqual(all);
    expect(bodyOf<{ items: unknown[] }>(recent).items).toEqual(all.filter((s) => s.time >= since));
    expect(bodyOf<{ items: unknown[] }>(limited).items).toHaveLength(2);
    const streams = new Set(
      bodyOf<{ items: { symbol: string; timeframe: string }[] }>(everything).items.map(
        (s) => `${s.symbol} ${s.timeframe}`,
      ),
    );
    expect(streams).toEqual(new Set(['BTC/USDT 1m', 'BTC/USDT 5m', 'LTC/USDT 1m']));
  });

  it('answers 400 listing every bad filter', async () => {
    const body = expectError(
      await api().get('/v1/signals?exchange=Bin!&symbol=btc&timeframe=7m&since=-5&limit=0'),
      400,
    );

    expect(new Set(fieldsOf(body))).toEqual(new Set(['exchange', 'symbol', 'timeframe', 'since', 'limit']));
  });
});

describe('GET /v1/weights', () => {
  it('answers the global weights, and a symbol with its overrides', async () => {
    const global = bodyOf<{
      symbol: null;
      weights: { components: Record<string, number>; thresholds: object };
      overrides: string[];
    }>(await api().get('/v1/weights').expect(200));
    const ltc = bodyOf<{ symbol: string; weights: { thresholds: object } }>(
      await api().get('/v1/weights?symbol=LTC-USDT').expect(200),
    );
    const btc = bodyOf<{ symbol: string; weights: { thresholds: object } }>(
      await api().get('/v1/weights?symbol=BTC/USDT').expect(200),
    );

    expect(global.symbol).toBeNull();
    expect(global.overrides).toEqual(['LTC/USDT']);
    expect(global.weights.thresholds).toEqual({ short: 40, long: 60 });
    expect(Object.values(global.weights.components).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 9);
    expect(ltc).toMatchObject({ symbol: 'LTC/USDT', weights: { thresholds: { short: 35, long: 65 } } });
    expect(btc).toMatchObject({ symbol: 'BTC/USDT', weights: { thresholds: { short: 40, long: 60 } } });
    expectError(await api().get('/v1/weights?symbol=nope'), 400);
  });
});

describe('health, metrics and docs', () => {
  it('answers liveness, and readiness ok with the store, writes, bus and market-data checks', async () => {
    await api().get('/health/live').expect(200);
    const response = await api().get('/health/ready').expect(200);

    expect(response.body).toEqual({
      status: 'ok',
      checks: {
        store: expect.objectContaining({ status: 'up' }),
        writes: { status: 'up', pending: 0, dropped: 0, written: expect.any(Number) },
        bus: { status: 'up', transport: 'in-process', rejected: 0, handlerErrors: 0 },
        marketData: {
          status: 'up',
          exchanges: [{ exchange: 'binance', status: 'ok', streams: 4, fresh: 4 }],
        },
      },
    });
    expect(
      bodyOf<{ checks: { writes: { written: number } } }>(response).checks.writes.written,
    ).toBeGreaterThan(0);
  });

  it('exposes Prometheus metrics: latency by route template, results, lag, dropped writes, sockets', async () => {
    const route = '/v1/confluence/:exchange/:symbol';
    const countOf = (text: string): number => {
      const line = text
        .split('\n')
        .find((l) =>
          l.startsWith(
            `confluence_http_request_duration_seconds_count{method="GET",route="${route}",status="404"}`,
          ),
        );
      return line === undefined ? 0 : Number(line.split(' ').at(-1));
    };
    const before = countOf((await api().get('/metrics').expect(200)).text);
    for (const symbol of ['AAA-USDT', 'BBB-USDT', 'CCC-USDT'])
      await api().get(`/v1/confluence/binance/${symbol}`).expect(404);

    const response = await api().get('/metrics').expect(200);
    const text = response.text;

    expect(response.headers['content-type']).toMatch(/^text\/plain/);
    expect(countOf(text)).toBe(before + 3);
    // Route templates, never raw paths: the unknown symbols are not label values.
    expect(text).not.toContain('AAA-USDT');
    const results1m =
      (await storedAll('binance', 'BTC/USDT', '1m')).length +
      (await storedAll('binance', 'LTC/USDT', '1m')).length;
    expect(text).toContain(
      `confluence_results_total{exchange="binance",timeframe="1m",trigger="candle"} ${results1m}`,
    );
    expect(text).toContain(
      `confluence_results_total{exchange="binance",timeframe="5m",trigger="candle"} ${(await storedAll('binance', 'BTC/USDT', '5m')).length}`,
    );
    expect(text).toMatch(/^confluence_analysis_lag_seconds \d+(\.\d+)?(e-?\d+)?$/m);
    expect(text).toMatch(/^confluence_store_dropped_writes_total 0$/m);
    expect(text).toMatch(/^confluence_socket_connections 0$/m);
    expect(text).toMatch(/^confluence_socket_subscriptions 0$/m);
    expect(text).toMatch(/^confluence_socket_rooms 0$/m);
  });

  it('publishes an OpenAPI document listing every endpoint, with the X-API-Key scheme, and the docs page', async () => {
    const doc = bodyOf<{
      paths: Record<string, Record<string, { security?: Record<string, unknown>[] }>>;
      components: { securitySchemes: Record<string, unknown> };
    }>(await api().get('/docs-json').expect(200));
    const page = await api().get('/docs').expect(200);

    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/v1/markets',
        '/v1/confluence',
        '/v1/confluence/{exchange}/{symbol}',
        '/v1/confluence/{exchange}/{symbol}/history',
        '/v1/confluence/analyze',
        '/v1/indicators',
        '/v1/signals',
        '/v1/weights',
        '/health/ready',
        '/metrics',
      ]),
    );
    expect(Object.values(doc.components.securitySchemes)).toContainEqual({
      type: 'apiKey',
      in: 'header',
      name: 'X-API-Key',
    });
    const [scheme] = Object.keys(doc.components.securitySchemes);
    expect(doc.paths['/v1/confluence/analyze']?.post?.security).toEqual([{ [scheme ?? '']: [] }]);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.text).toMatch(/swagger-ui/i);
  });
});

describe('request ids, security headers and CORS', () => {
  it('echoes a sane client request id, in the header and in error bodies', async () => {
    const ok = await api().get('/v1/markets').set('X-Request-Id', 'client-42.a:b_c').expect(200);
    const failed = await api().get('/v1/confluence/binance/DOGE-USDT').set('X-Request-Id', 'trace-7');

    expect(ok.headers['x-request-id']).toBe('client-42.a:b_c');
    expect(expectError(failed, 404).requestId).toBe('trace-7');
  });

  it('replaces an id that is too long or has odd characters with a generated one', async () => {
    const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
    const spaced = await api().get('/v1/nope').set('X-Request-Id', 'has spaces <script>');
    const long = await api().get('/v1/markets').set('X-Request-Id', 'a'.repeat(129)).expect(200);
    const none = await api().get('/v1/markets').expect(200);

    expect(expectError(spaced, 404).requestId).toMatch(uuid);
    expect(long.headers['x-request-id']).toMatch(uuid);
    expect(none.headers['x-request-id']).toMatch(uuid);
    expect(none.headers['x-request-id']).not.toBe(long.headers['x-request-id']);
  });

  it("sets helmet's headers and no X-Powered-By", async () => {
    for (const response of [await api().get('/v1/markets'), await api().get('/v1/nope')]) {
      expect(response.headers).toMatchObject({
        'x-content-type-options': 'nosniff',
        'x-frame-options': 'SAMEORIGIN',
        'strict-transport-security': expect.stringContaining('max-age='),
        'content-security-policy': expect.stringContaining("default-src 'self'"),
        'referrer-policy': 'no-referrer',
      });
      expect(response.headers['x-powered-by']).toBeUndefined();
    }
  });

  it('allows the configured origin only', async () => {
    const allowed = await api().get('/v1/markets').set('Origin', 'http://localhost:3000').expect(200);
    const denied = await api().get('/v1/markets').set('Origin', 'https://evil.example').expect(200);
    const preflight = await api()
      .options('/v1/confluence/analyze')
      .set('Origin', 'http://localhost:3000')
      .set('Access-Control-Request-Method', 'POST')
      .set('Access-Control-Request-Headers', 'content-type,x-api-key');
    const deniedPreflight = await api()
      .options('/v1/confluence/analyze')
      .set('Origin', 'https://evil.example')
      .set('Access-Control-Request-Method', 'POST');

    expect(allowed.headers['access-control-allow-origin']).toBe('http://localhost:3000');
    expect(denied.headers['access-control-allow-origin']).toBeUndefined();
    expect(preflight.status).toBe(204);
    expect(preflight.headers['access-control-allow-origin']).toBe('http://localhost:3000');
    expect(deniedPreflight.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('answers an unknown route with a JSON 404 and an unknown key on a read with 401', async () => {
    const route = expectError(await api().get('/v1/nothing-here'), 404);
    const key = expectError(await api().get('/v1/markets').set('X-API-Key', 'ck_typo'), 401);

    expect(route.message).toContain('/v1/nothing-here');
    expect(key.message).toMatch(/does not match/);
  });
});

/**
 * A second app: reads need a key, a 4 KiB body limit, analyze limited to 2 calls a minute per
 * client, and an exchange that never answers (live data from a fake that resets every connection).
 */
