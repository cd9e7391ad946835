import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import type { Response } from 'supertest';
import { MAX_TIME_MS } from '@app/contracts';
import { MARKET_FILES } from '@app/testing';
import { type Json, type JsonObject, raw, toText } from './fuzz-kit.js';
import {
  type ErrorBody,
  type LocalGateway,
  rateLimitPatches,
  startLocalGateway,
  syntheticCandles,
  testApiKey,
} from './gateway-kit.js';

/**
 * Every numeric field a client can send, at its bounds and past them, against the real local-mode
 * app: at a bound the request is answered (200), past it it is a 400 naming the field, and nothing
 * is ever a 5xx. The time fields share one range (libs/contracts time-range.ts: 0 to the end of
 * 9999); before it, `?to=99999999999999999`, `?since=…` and candles from 9e15 reached mongoose or
 * `toISOString` as an Invalid Date (500).
 */

const alpha = testApiKey('bounds-alpha');
const MINUTE = 60_000;
/** 2021-02-19 00:00 UTC. */
const T0 = 1_613_692_800_000;
/** The last 1m open time of the range (23:59 on 9999-12-31). */
const LAST_MINUTE = MAX_TIME_MS - (MAX_TIME_MS % MINUTE);
const MAX_DOUBLE = raw('1.7976931348623157e308');
const MIN_DOUBLE = raw('5e-324');

/** Times past the range, each a 500 before it was bounded (the last ones are not integers at all). */
const PAST_TIMES: readonly Json[] = [
  MAX_TIME_MS + 1,
  8_640_000_000_000_001,
  9e15,
  raw('99999999999999999'),
  raw('1e300'),
  -1,
  raw('1e309'),
  0.5,
];
/** Numbers no positive field takes: zero, the smallest negatives, the infinities. */
const NOT_POSITIVE: readonly Json[] = [0, raw('-5e-324'), -1e308, raw('1e309'), raw('-1e309')];
/** Numbers no field ≥ 0 takes. */
const NEGATIVE_OR_INFINITE: readonly Json[] = [raw('-5e-324'), -1, raw('1e309'), raw('-1e309')];

/** 60 sound 1m candles from `start`, or flat at `price` when given (every price field the same). */
function candles(start = T0, price?: Json, volume?: Json): JsonObject[] {
  return syntheticCandles(60, start).map((candle) =>
    price === undefined
      ? { ...candle, ...(volume === undefined ? {} : { volume }) }
      : {
          timestamp: candle.timestamp,
          open: price,
          high: price,
          low: price,
          close: price,
          volume: volume ?? 1,
        },
  );
}

/** POST analyze with every optional section present and sound. */
function analyzeBody(): JsonObject {
  return {
    symbol: 'BTC/USDT',
    candles: { '1m': candles() },
    orderBook: { timestamp: T0, bids: [{ price: 100, size: 1 }], asks: [{ price: 101, size: 2 }] },
    trades: [{ timestamp: T0, price: 100, size: 1, side: 'buy' }],
    derivatives: [
      {
        timestamp: T0,
        fundingRate: 0.0001,
        openInterest: 1000,
        longShortRatio: 1.2,
        liquidations: { long: 1, short: 2 },
      },
    ],
  };
}

/** `body` with the value at a dotted path (`orderBook.bids.0.price`) replaced. */
function withValue(body: JsonObject, path: string, value: Json): JsonObject {
  const keys = path.split('.');
  const last = keys.pop() ?? '';
  let node: Json = body;
  for (const key of keys) node = (node as Record<string, Json>)[key] ?? null;
  (node as Record<string, Json>)[last] = value;
  return body;
}

/** The field path as a 400 names it: `orderBook.bids[0].price`, `candles.1m[3].open`. */
const fieldOf = (path: string): string => path.replace(/\.(\d+)(?=\.|$)/g, '[$1]');

describe('every numeric field at its bounds and past them: answered, or a 400 naming it, never a 5xx', () => {
  let gw: LocalGateway;
  /** Every answer of the suite, for the final check that none was a 5xx. */
  const answered: string[] = [];

  beforeAll(async () => {
    gw = await startLocalGateway({
      files: [{ file: MARKET_FILES.btc1m, limit: 80 }],
      apiKeys: [alpha],
      patches: rateLimitPatches({ default: 1_000_000, analyze: 1_000_000, indicators: 1_000_000 }),
    });
  });

  afterAll(async () => {
    await gw.close();
  });

  async function get(path: string): Promise<Response> {
    const response = await request(gw.server).get(path).set('X-API-Key', alpha.key);
    answered.push(`GET ${path} ${response.status}`);
    return response;
  }

  async function post(path: string, body: JsonObject): Promise<Response> {
    const text = toText(body);
    const response = await request(gw.server)
      .post(path)
      .set('X-API-Key', alpha.key)
      .set('Content-Type', 'application/json')
      .send(text);
    answered.push(`POST ${path} ${text.slice(0, 80)} ${response.status}`);
    return response;
  }

  /** A 400 whose issues name `field` (and only fields under it). */
  function expectRefused(response: Response, field: string): void {
    const body = response.body as ErrorBody;
    expect({
      status: response.status,
      fields: [...new Set((body.errors ?? []).map((issue) => issue.field))],
    }).toEqual({
      status: 400,
      fields: [field],
    });
  }

  describe('query parameters', () => {
    const history = '/v1/confluence/binance/BTC-USDT/history';
    const cursor = (time: string): string => Buffer.from(`t:${time}`).toString('base64url');

    it('history: from and to take the whole time range, limit 1 to 1000, a cursor at the last time', async () => {
      const all = await get(`${history}?from=0&to=${MAX_TIME_MS}&limit=1000`);
      const one = await get(`${history}?limit=1&cursor=${cursor(String(MAX_TIME_MS))}`);

      expect([all.status, one.status]).toEqual([200, 200]);
      expect((all.body as { items: unknown[] }).items.length).toBeGreaterThan(1);
      expect((one.body as { items: unknown[] }).items).toHaveLength(1);
    });

    it.each(['from', 'to'])('history: %s past the range is a 400 naming it', async (name) => {
      for (const value of [
        '99999999999999999',
        '8640000000000001',
        '1e300',
        String(MAX_TIME_MS + 1),
        '-1',
        '0.5',
      ])
        expectRefused(await get(`${history}?${name}=${value}`), name);
    });

    it('history: a limit past 1 to 1000, or a forged cursor past the range, is a 400 naming it', async () => {
      for (const value of ['0', '1001', '1e300', '-1', '1.5', '9007199254740993'])
        expectRefused(await get(`${history}?limit=${value}`), 'limit');
      for (const time of [String(MAX_TIME_MS + 1), '9999999999999999'])
        expectRefused(await get(`${history}?cursor=${cursor(time)}`), 'cursor');
    });

    it('signals: since takes the whole range and limit 1 to 1000; past them, a 400 naming the field', async () => {
      expect((await get('/v1/signals?since=0&limit=1000')).status).toBe(200);
      expect((await get(`/v1/signals?since=${MAX_TIME_MS}&limit=1`)).status).toBe(200);
      for (const value of ['99999999999999999', '1e300', String(MAX_TIME_MS + 1), '-1'])
        expectRefused(await get(`/v1/signals?since=${value}`), 'since');
      for (const value of ['0', '1001', '1e300'])
        expectRefused(await get(`/v1/signals?limit=${value}`), 'limit');
    });

    it('llm costs: days from 1970-01-01 to 9999-12-31; before the epoch, a 400 naming the field', async () => {
      expect((await get('/v1/llm/costs?from=1970-01-01&to=1970-01-01')).status).toBe(200);
      expect((await get('/v1/llm/costs?from=9999-12-31&to=9999-12-31')).status).toBe(200);
      expectRefused(await get('/v1/llm/costs?from=1969-12-31&to=1970-01-01'), 'from');
      expectRefused(await get('/v1/llm/costs?from=0000-01-01&to=1970-01-01'), 'from');
    });
  });

  describe('candles (POST analyze and POST indicators)', () => {
    /** Each route: its path, its body around a series, and the series' field path in a 400. */
    const routes: [path: string, body: (series: JsonObject[]) => JsonObject, at: string][] = [
      [
        '/v1/confluence/analyze',
        (series) => ({ symbol: 'BTC/USDT', candles: { '1m': series } }),
        'candles.1m',
      ],
      ['/v1/indicators', (series) => ({ candles: series, timeframe: '1m' }), 'candles'],
    ];

    it.each(routes)('%s: open times from the epoch to the last minute of 9999', async (path, body) => {
      const first = await post(path, body(candles(0)));
      const last = await post(path, body(candles(LAST_MINUTE - 59 * MINUTE)));

      expect([first.status, last.status]).toEqual([200, 200]);
    });

    it.each(routes)(
      '%s: prices from the smallest to the largest double, volume from 0',
      async (path, body) => {
        for (const series of [
          candles(T0, MIN_DOUBLE),
          candles(T0, MAX_DOUBLE),
          candles(T0, 100, 0),
          candles(T0, 100, MAX_DOUBLE),
        ])
          expect((await post(path, body(series))).status).toBe(200);
      },
    );

    it.each(routes)(
      '%s: a value past its bound in any candle field is a 400 naming it',
      async (path, body, at) => {
        const cases: [string, readonly Json[]][] = [
          ['timestamp', PAST_TIMES],
          ['open', NOT_POSITIVE],
          ['high', NOT_POSITIVE],
          ['low', NOT_POSITIVE],
          ['close', NOT_POSITIVE],
          ['volume', NEGATIVE_OR_INFINITE],
        ];
        for (const [field, values] of cases)
          for (const value of values) {
            const series = candles();
            withValue({ series }, `series.59.${field}`, value);
            expectRefused(await post(path, body(series)), `${at}[59].${field}`);
          }
      },
    );

    it.each(routes)('%s: a whole series past the range is refused, not analysed', async (path, body, at) => {
      for (const start of [9e15, 8.64e15 - 3_600_000, LAST_MINUTE + MINUTE]) {
        const response = await post(path, body(candles(start)));
        expect(response.status).toBe(400);
        expect((response.body as ErrorBody).errors?.[0]?.field).toBe(`${at}[0].timestamp`);
      }
    });
  });

  describe('order book, trades and derivatives (POST analyze)', () => {
    /** Every numeric field of the optional sections, with a value at each bound and values past them. */
    const FIELDS: [path: string, atBounds: readonly Json[], past: readonly Json[]][] = [
      ['orderBook.timestamp', [0, MAX_TIME_MS], PAST_TIMES],
      // Each side at the bound that keeps the book uncrossed (best bid < best ask).
      ['orderBook.bids.0.price', [MIN_DOUBLE], NOT_POSITIVE],
      ['orderBook.bids.0.size', [MIN_DOUBLE, MAX_DOUBLE], NOT_POSITIVE],
      ['orderBook.asks.0.price', [MAX_DOUBLE], NOT_POSITIVE],
      ['orderBook.asks.0.size', [MIN_DOUBLE, MAX_DOUBLE], NOT_POSITIVE],
      ['trades.0.timestamp', [0, MAX_TIME_MS], PAST_TIMES],
      ['trades.0.price', [MIN_DOUBLE, MAX_DOUBLE], NOT_POSITIVE],
      ['trades.0.size', [MIN_DOUBLE, MAX_DOUBLE], NOT_POSITIVE],
      ['derivatives.0.timestamp', [0, MAX_TIME_MS], PAST_TIMES],
      [
        'derivatives.0.fundingRate',
        [raw('-1.7976931348623157e308'), MAX_DOUBLE],
        [raw('1e309'), raw('-1e309')],
      ],
      ['derivatives.0.openInterest', [0, MAX_DOUBLE], NEGATIVE_OR_INFINITE],
      ['derivatives.0.longShortRatio', [MIN_DOUBLE, MAX_DOUBLE], NOT_POSITIVE],
      ['derivatives.0.liquidations.long', [0, MAX_DOUBLE], NEGATIVE_OR_INFINITE],
      ['derivatives.0.liquidations.short', [0, MAX_DOUBLE], NEGATIVE_OR_INFINITE],
    ];

    it.each(FIELDS)('%s: answered at its bounds, a 400 naming it past them', async (path, atBounds, past) => {
      for (const value of atBounds)
        expect((await post('/v1/confluence/analyze', withValue(analyzeBody(), path, value))).status).toBe(
          200,
        );
      for (const value of past)
        expectRefused(
          await post('/v1/confluence/analyze', withValue(analyzeBody(), path, value)),
          fieldOf(path),
        );
    });

    it('a stored analysis at the last time of the range is read back through history', async () => {
      const body = { ...analyzeBody(), candles: { '1m': candles(LAST_MINUTE - 59 * MINUTE) }, store: true };
      expect((await post('/v1/confluence/analyze', body)).status).toBe(200);

      const page = await get(`/v1/confluence/custom/BTC-USDT/history?from=${LAST_MINUTE}&to=${MAX_TIME_MS}`);
      expect(page.status).toBe(200);
      expect((page.body as { items: { candleTime: string }[] }).items.map((item) => item.candleTime)).toEqual(
        ['9999-12-31T23:59:00.000Z'],
      );
    });
  });

  it('answered none of the requests above with a 5xx', () => {
    expect(answered.length).toBeGreaterThan(200);
    expect(answered.filter((line) => / 5\d\d$/.test(line))).toEqual([]);
  });
});
