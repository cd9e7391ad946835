import { describe, expect, it } from '@jest/globals';
import { loadMarketCandles, MARKET_FILES } from '@app/testing';
import { bodyOf, expectError, fail, type MarketView } from '../gateway-kit.js';
import {
  asRest,
  candleTimeOf,
  ETH_CANDLES,
  fieldsOf,
  type HistoryBody,
  iso,
  type RestGateway,
  scoreOf,
} from './rest-kit.js';

/**
 * The gateway's REST reads of what the pipeline stored, over the real local-mode app (market-data
 * replay → worker → store → gateway): the market list, the latest result of a stream, its
 * history page by page, and several streams' latest results at once, with their error statuses.
 */

export function describeResultReads(gateway: RestGateway): void {
  describe('REST reads of the replayed results', () => {
    const { api, storedAll, storedLatest } = gateway;

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
          await api()
            .get(`/v1/confluence/binance/LTC-USDT/history?from=${from}&to=${to}&limit=15`)
            .expect(200),
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
        const malformed = expectError(
          await api().get('/v1/confluence?markets=binance:BTC-USDT,a:b:c:d'),
          400,
        );
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
  });
}
