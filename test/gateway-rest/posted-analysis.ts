import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from '@jest/globals';
import type request from 'supertest';
import { loadMarketCandles, MARKET_FILES } from '@app/testing';
import { bodyOf, expectError, fail, syntheticCandles } from '../gateway-kit.js';
import {
  alpha,
  beta,
  candleTimeOf,
  CLI_INDICATORS,
  fieldsOf,
  type HistoryBody,
  iso,
  rendered,
  type RestGateway,
  scoreOf,
} from './rest-kit.js';

/**
 * The gateway's REST computations on candles a client posts, over the real local-mode app: POST
 * /v1/confluence/analyze (scoring, compressed bodies, storing under an untracked market, every
 * validation and auth error) and POST /v1/indicators.
 */

export function describePostedAnalysis(gateway: RestGateway): void {
  describe('REST analysis of posted candles', () => {
    const { api, storedAll, storedLatest } = gateway;

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

        const posted = await analyze({
          symbol: 'LTC/USDT',
          exchange: 'binance',
          candles: { '1m': ltc },
        }).expect(200);

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
        expect(response.body).toEqual({ ...rendered(stored), source: 'client', stored: true });
        expect(stored.candleTime).toBe(last.timestamp);
      });

      it('serves a result stored with store: true through GET latest and history', async () => {
        await analyze({
          symbol: 'LTC/USDT',
          exchange: 'mybotb',
          store: true,
          candles: { '1m': candles },
        }).expect(200);
        const stored = await storedLatest('mybotb', 'LTC/USDT', '1m');

        const latest = await api().get('/v1/confluence/mybotb/LTC-USDT');
        const history = await api().get('/v1/confluence/mybotb/LTC-USDT/history');

        expect({
          status: latest.status,
          candleTime: bodyOf<{ candleTime?: string }>(latest).candleTime,
        }).toEqual({
          status: 200,
          candleTime: iso(stored.candleTime),
        });
        expect(history.status).toBe(200);
        expect(bodyOf<HistoryBody>(history).items.map(candleTimeOf)).toEqual([stored.candleTime]);
      });

      it('answers an unavailable opinion (no-key) with llm: true when no OpenAI key is configured', async () => {
        const noKey = { status: 'unavailable', reason: 'no-key', detail: 'no OPENAI_API_KEYS configured' };
        const body = { symbol: 'ETH/USDT', exchange: 'mybotc', candles: { '1m': candles } };

        const asked = await analyze({ ...body, llm: true, store: true }).expect(200);
        const notAsked = await analyze(body).expect(200);
        const history = await api().get('/v1/confluence/mybotc/ETH-USDT/history').expect(200);
        const refused = expectError(await analyze({ ...body, llm: 'yes' }), 400);

        const { stored: _stored, source: _source, ...result } = bodyOf<Record<string, unknown>>(notAsked);
        expect(asked.body).toEqual({ ...result, source: 'client', stored: true, llm: noKey });
        expect(notAsked.body).not.toHaveProperty('llm');
        // The opinion is attached to the stored result: the history shows it beside the score.
        expect(bodyOf<HistoryBody>(history).items).toEqual([{ ...result, source: null, llm: noKey }]);
        expect(refused.errors).toEqual([{ field: 'llm', message: 'must be a boolean value' }]);
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
        expect(
          (await storedAll('binance', 'BTC/USDT', '1m')).some((r) => r.candleTime > before.candleTime),
        ).toBe(false);
      });

      it('answers 400 naming candles when there are too few to score', async () => {
        const body = expectError(
          await analyze({ symbol: 'BTC/USDT', candles: { '1m': candles.slice(0, 10) } }),
          400,
        );

        expect(body.errors).toEqual([
          { field: 'candles', message: expect.stringMatching(/too few candles/) },
        ]);
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
  });
}
