import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import {
  binance,
  bybit,
  DDoSProtection,
  type Exchange,
  ExchangeError,
  ExchangeNotAvailable,
  NetworkError,
  OnMaintenance,
  OperationFailed,
  RateLimitExceeded,
  RequestTimeout,
} from 'ccxt';
import { type CsvCandle, loadMarketCandles, MARKET_FILES } from '../market-data.js';
import { formingCandle } from './candles.js';
import { eventually } from '../eventually.js';
import { FakeExchangeServer } from './server.js';
import type { FakeExchangeId, FaultSpec, Malformation } from './types.js';

const MIN = 60_000;
const BTC1 = loadMarketCandles(MARKET_FILES.btc1m);
const BTC5 = loadMarketCandles(MARKET_FILES.btc5m);
const LTC1 = loadMarketCandles(MARKET_FILES.ltc1m);
const T0 = BTC1[0]!.timestamp;
/** 30 s into 1m candle #100 (and 5m candle #20): both are forming. */
const START = T0 + 100 * MIN + 30_000;

const clock = { now: START };
let server: FakeExchangeServer;

beforeAll(async () => {
  server = await FakeExchangeServer.start({ now: () => clock.now });
});

afterEach(() => {
  clock.now = START;
  server.clearFaults();
  server.setDown('binance', false);
  server.setDown('bybit', false);
});

afterAll(async () => {
  await server.stop();
});

function connect(id: FakeExchangeId, timeout = 30_000): Exchange {
  const config = {
    urls: { api: id === 'binance' ? server.binanceApiUrls() : server.bybitApiUrls() },
    options: { fetchMarkets: { types: ['spot', 'linear'] } },
    enableRateLimit: false,
    timeout,
  };
  return id === 'binance' ? new binance(config) : new bybit(config);
}

const row = (c: CsvCandle): number[] => [c.timestamp, c.open, c.high, c.low, c.close, c.volume];

async function failure(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a rejection');
}

/** What ccxt 4.5.84 really throws for each fault (observed against the fake). */
const ERRORS: Record<
  FakeExchangeId,
  Record<'rateLimit' | 'ban' | 'jsonServerError' | 'maintenance', unknown>
> = {
  // binance.handleErrors throws DDoSProtection for any 418/429 before reading the body.
  binance: {
    rateLimit: DDoSProtection,
    ban: DDoSProtection,
    jsonServerError: OperationFailed,
    maintenance: OnMaintenance,
  },
  // bybit maps retCode 10006 → RateLimitExceeded, HTTP 403 → RateLimitExceeded, 10016 → ExchangeError.
  bybit: {
    rateLimit: RateLimitExceeded,
    ban: RateLimitExceeded,
    jsonServerError: ExchangeError,
    maintenance: ExchangeError,
  },
};

/** ccxt's fetchOHLCV('BTC/USDT', '1m', undefined, 2) output for each malformation (observed). */
const MALFORMED: Record<FakeExchangeId, Record<Malformation, (number | undefined)[][]>> = {
  binance: {
    // the unparsed body string is fed to parseOHLCVs character by character: rows of undefined
    truncatedJson: [Array<undefined>(6).fill(undefined), Array<undefined>(6).fill(undefined)],
    emptyBody: [],
    nonNumericValues: [
      [BTC1[99]!.timestamp, undefined, undefined, undefined, undefined, undefined],
      [BTC1[100]!.timestamp, undefined, undefined, undefined, undefined, undefined],
    ],
    missingFields: [
      [BTC1[99]!.timestamp, BTC1[99]!.open, undefined, undefined, undefined, undefined],
      [BTC1[100]!.timestamp, BTC1[100]!.open, undefined, undefined, undefined, undefined],
    ],
    wrongContainer: [],
  },
  bybit: {
    // bybit reads result.list from the unparsed string: nothing, silently
    truncatedJson: [],
    emptyBody: [],
    nonNumericValues: [
      [BTC1[99]!.timestamp, undefined, undefined, undefined, undefined, undefined],
      [BTC1[100]!.timestamp, undefined, undefined, undefined, undefined, undefined],
    ],
    missingFields: [
      [BTC1[99]!.timestamp, BTC1[99]!.open, undefined, undefined, undefined, undefined],
      [BTC1[100]!.timestamp, BTC1[100]!.open, undefined, undefined, undefined, undefined],
    ],
    wrongContainer: [],
  },
};

describe.each(['binance', 'bybit'] as const)('%s through the real ccxt', (id) => {
  let ex: Exchange;

  beforeAll(async () => {
    server.clearRequests();
    ex = connect(id);
    await ex.loadMarkets();
  });

  afterEach(() => {
    expect(server.unknownRequests()).toEqual([]);
  });

  it('overrides every ccxt api url with the fake (nothing leaves loopback)', () => {
    const defaults = (id === 'binance' ? new binance() : new bybit()).urls.api;
    expect(Object.keys(ex.urls.api).sort()).toEqual(Object.keys(defaults).sort());
    for (const url of Object.values(ex.urls.api)) expect(String(url).startsWith(server.url)).toBe(true);
  });

  it('loadMarkets gives the four markets, from the spot and linear market lists only', () => {
    expect(Object.keys(ex.markets ?? {}).sort()).toEqual([
      'BTC/USDT',
      'BTC/USDT:USDT',
      'LTC/USDT',
      'LTC/USDT:USDT',
    ]);
    expect(ex.market('BTC/USDT:USDT')).toMatchObject({
      swap: true,
      linear: true,
      settle: 'USDT',
      contractSize: 1,
    });
    expect(ex.market('LTC/USDT')).toMatchObject({ spot: true, id: 'LTCUSDT' });
    const paths = server.requests.filter((r) => r.exchange === id).map((r) => `${r.host}${r.path}`);
    expect(paths.sort()).toEqual(
      id === 'binance'
        ? ['api.binance.com/api/v3/exchangeInfo', 'fapi.binance.com/fapi/v1/exchangeInfo']
        : Array<string>(3).fill('api.bybit.com/v5/market/instruments-info'),
    );
  });

  it.each(['BTC/USDT', 'BTC/USDT:USDT'])(
    'fetchOHLCV %s: closed candles verbatim, the forming one partial',
    async (symbol) => {
      expect(await ex.fetchOHLCV(symbol, '1m', undefined, 5)).toEqual([
        ...BTC1.slice(96, 100).map(row),
        row(formingCandle(BTC1[100]!)),
      ]);
      expect(await ex.fetchOHLCV(symbol, '1m', T0, 3)).toEqual(BTC1.slice(0, 3).map(row));
      expect(await ex.fetchOHLCV(symbol, '1m', T0 + 98 * MIN, 10)).toEqual([
        ...BTC1.slice(98, 100).map(row),
        row(formingCandle(BTC1[100]!)),
      ]);
      expect(await ex.fetchOHLCV(symbol, '5m', undefined, 3)).toEqual([
        ...BTC5.slice(18, 20).map(row),
        row(formingCandle(BTC5[20]!)),
      ]);
      clock.now = T0 + 101 * MIN;
      const [closed] = await ex.fetchOHLCV(symbol, '1m', undefined, 2);
      expect(closed).toEqual(row(BTC1[100]!));
    },
  );

  it('aggregates a timeframe missing from the data (LTC/USDT 5m from 1m)', async () => {
    const five = LTC1.slice(0, 5);
    expect(await ex.fetchOHLCV('LTC/USDT', '5m', LTC1[0]!.timestamp, 1)).toEqual([
      [
        five[0]!.timestamp,
        five[0]!.open,
        Math.max(...five.map((c) => c.high)),
        Math.min(...five.map((c) => c.low)),
        five[4]!.close,
        expect.closeTo(
          five.reduce((s, c) => s + c.volume, 0),
          6,
        ),
      ],
    ]);
  });

  it('fetchOrderBook(symbol, 20): 20 sorted levels a side around the last close', async () => {
    for (const symbol of ['BTC/USDT', 'BTC/USDT:USDT']) {
      const book = await ex.fetchOrderBook(symbol, 20);
      const bids = book.bids.map(([p]) => Number(p));
      const asks = book.asks.map(([p]) => Number(p));
      expect([bids.length, asks.length]).toEqual([20, 20]);
      expect(bids).toEqual([...bids].sort((a, b) => b - a));
      expect(asks).toEqual([...asks].sort((a, b) => a - b));
      expect(bids[0]).toBeLessThan(asks[0]!);
      expect(Math.abs(asks[0]! - BTC1[99]!.close) / BTC1[99]!.close).toBeLessThan(0.001);
      expect(book.bids.every(([, size]) => Number(size) > 0)).toBe(true);
    }
  });

  it('fetchTrades: recent trades inside the last closed candle, not after now', async () => {
    for (const symbol of ['BTC/USDT', 'BTC/USDT:USDT']) {
      const trades = await ex.fetchTrades(symbol, undefined, 50);
      expect(trades).toHaveLength(50);
      for (const t of trades) {
        expect(t.timestamp).toBeLessThanOrEqual(clock.now);
        expect(t.price).toBeGreaterThanOrEqual(BTC1[99]!.low);
        expect(t.price).toBeLessThanOrEqual(BTC1[99]!.high);
        expect(['buy', 'sell']).toContain(t.side);
      }
    }
  });

  it('fetchFundingRate, fetchOpenInterest and fetchLongShortRatioHistory on the perpetual', async () => {
    const funding = await ex.fetchFundingRate('BTC/USDT:USDT');
    expect(funding.symbol).toBe('BTC/USDT:USDT');
    expect(Math.abs(funding.fundingRate!)).toBeLessThan(0.001);
    expect(Math.abs(funding.markPrice! / BTC1[99]!.close - 1)).toBeLessThan(0.001);
    expect(funding.fundingTimestamp).toBe(T0 + 8 * 60 * MIN);
    const oi = await ex.fetchOpenInterest('BTC/USDT:USDT');
    expect(oi.symbol).toBe('BTC/USDT:USDT');
    expect(oi.openInterestAmount).toBeGreaterThan(70_000);
    const ratios = await ex.fetchLongShortRatioHistory('BTC/USDT:USDT', '1h', undefined, 3);
    expect(ratios.map((r) => r.timestamp)).toEqual([T0 - 60 * MIN, T0, T0 + 60 * MIN]);
    for (const r of ratios) expect(r.longShortRatio).toBeGreaterThan(0.5);
    expect(server.count(id, 'longShortRatio')).toBeGreaterThan(0);
  });

  it.each([
    ['rateLimit', { kind: 'rateLimit', retryAfterSeconds: 2 }],
    ['ban', { kind: 'rateLimit', retryAfterSeconds: 60, variant: 'ban' }],
    ['jsonServerError', { kind: 'serverError', status: 500, body: 'exchange' }],
    ['maintenance', { kind: 'maintenance' }],
  ] as const)('fault %s → the ccxt error class the real exchange gets', async (name, spec: FaultSpec) => {
    server.fault(id, spec, { endpoint: 'klines', times: 1 });
    const error = await failure(ex.fetchOHLCV('BTC/USDT', '1m', undefined, 2));
    expect(error.constructor).toBe(ERRORS[id][name]);
    expect(await ex.fetchOHLCV('BTC/USDT', '1m', undefined, 2)).toHaveLength(2);
  });

  it('rate limit: the wait is only visible in last_response_headers', async () => {
    server.fault(id, { kind: 'rateLimit', retryAfterSeconds: 2 }, { endpoint: 'klines', times: 1 });
    await failure(ex.fetchOHLCV('BTC/USDT', '1m'));
    const headers = ex.last_response_headers ?? {};
    if (id === 'binance') expect(headers['Retry-After']).toBe('2');
    else expect(headers['X-Bapi-Limit-Reset-Timestamp']).toBe(String(clock.now + 2_000));
  });

  it('faults queue FIFO per route; 5xx gateway pages are ExchangeNotAvailable, then recovery', async () => {
    server.fault(id, { kind: 'serverError', status: 502 }, { endpoint: 'klines', times: 2 });
    server.fault(id, { kind: 'serverError', status: 503 }, { path: /kline/, times: 1 });
    for (let i = 0; i < 3; i++) {
      expect((await failure(ex.fetchOHLCV('BTC/USDT', '1m'))).constructor).toBe(ExchangeNotAvailable);
    }
    expect(await ex.fetchOrderBook('BTC/USDT', 5)).toBeDefined();
    expect(await ex.fetchOHLCV('BTC/USDT', '1m', undefined, 1)).toHaveLength(1);
    const statuses = server.requests.filter((r) => r.endpoint === 'klines').slice(-4);
    expect(statuses.map((r) => [r.status, r.fault])).toEqual([
      [502, 'serverError'],
      [502, 'serverError'],
      [503, 'serverError'],
      [200, null],
    ]);
  });

  it('hang → RequestTimeout after the client timeout', async () => {
    const impatient = connect(id, 300);
    await impatient.loadMarkets();
    server.fault(id, { kind: 'hang' }, { endpoint: 'orderBook', times: 1 });
    expect((await failure(impatient.fetchOrderBook('BTC/USDT', 5))).constructor).toBe(RequestTimeout);
  });

  it('down → connection reset → NetworkError (the base class itself), until it is back up', async () => {
    server.setDown(id, true);
    const error = await failure(ex.fetchOHLCV('BTC/USDT', '1m'));
    expect(error.constructor).toBe(NetworkError);
    expect(error.message).toContain('other side closed');
    server.setDown(id, false);
    expect(await ex.fetchOHLCV('BTC/USDT', '1m', undefined, 1)).toHaveLength(1);
  });

  it.each(Object.keys(MALFORMED[id]) as Malformation[])(
    'malformed %s: ccxt returns garbage, no error',
    async (m) => {
      server.fault(id, { kind: 'malformed', malformation: m }, { endpoint: 'klines', times: 1 });
      expect(await ex.fetchOHLCV('BTC/USDT', '1m', undefined, 2)).toEqual(MALFORMED[id][m]);
    },
  );

  it('shuffle: ccxt sorts the rows but keeps duplicates (they push the oldest out of the limit)', async () => {
    server.fault(id, { kind: 'shuffle', seed: 3, duplicates: 6 }, { endpoint: 'klines', times: 1 });
    const times = (await ex.fetchOHLCV('BTC/USDT', '1m', undefined, 8)).map(([t]) => t!);
    expect(times).toHaveLength(8);
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(new Set(times).size).toBeLessThan(8);
  });

  it('stale: a lagging replica serves an older window than the clock', async () => {
    server.fault(id, { kind: 'stale', lagMs: 10 * MIN }, { endpoint: 'klines', times: 1 });
    expect(await ex.fetchOHLCV('BTC/USDT', '1m', undefined, 2)).toEqual([
      row(BTC1[89]!),
      row(formingCandle(BTC1[90]!)),
    ]);
  });

  it('omitCandles: latest and history answers go on as if those candles did not exist', async () => {
    const hidden = { from: BTC1[97]!.timestamp, to: BTC1[98]!.timestamp };
    server.fault(id, { kind: 'omitCandles', ...hidden }, { endpoint: 'klines', times: 2 });
    expect(await ex.fetchOHLCV('BTC/USDT', '1m', undefined, 3)).toEqual([
      row(BTC1[96]!),
      row(BTC1[99]!),
      row(formingCandle(BTC1[100]!)),
    ]);
    expect(await ex.fetchOHLCV('BTC/USDT', '1m', hidden.from, 2)).toEqual([
      row(BTC1[99]!),
      row(formingCandle(BTC1[100]!)),
    ]);
    expect(await ex.fetchOHLCV('BTC/USDT', '1m', hidden.from, 1)).toEqual([row(BTC1[97]!)]);
  });
});

describe('the fake itself', () => {
  it('answers unknown paths with each exchange error shape, and logs them', async () => {
    server.clearRequests();
    const b = await fetch(`${server.url}/binance/api.binance.com/api/v3/nope?x=1`);
    expect([b.status, await b.json()]).toEqual([
      404,
      { code: -5000, msg: 'Path /api/v3/nope, Method GET is invalid' },
    ]);
    const y = await fetch(`${server.url}/bybit/v5/market/nope`);
    expect(y.status).toBe(404);
    expect(await y.json()).toMatchObject({ retCode: 10017 });
    expect(server.unknownRequests().map((r) => [r.exchange, r.path, r.query])).toEqual([
      ['binance', '/api/v3/nope', { x: '1' }],
      ['bybit', '/v5/market/nope', {}],
    ]);
    server.clearRequests();
  });

  it('stop() closes hanging sockets, so nothing keeps Jest alive', async () => {
    const other = await FakeExchangeServer.start({ now: () => START });
    other.fault('bybit', { kind: 'hang' });
    const pending = fetch(`${other.url}/bybit/v5/market/time`);
    await eventually(() => other.requests.length > 0, 'the request to reach the fake');
    expect(other.requests.map((r) => r.status)).toEqual(['hang']);
    await other.stop();
    await expect(pending).rejects.toThrow();
  });
});
