import { beforeAll, describe, expect, it } from '@jest/globals';
import type request from 'supertest';
import { loadMarketCandles, MARKET_FILES } from '@app/testing';
import { bodyOf } from '../gateway-kit.js';
import { type OpenApiDocument, openApiResponses } from '../openapi-responses.js';
import { alpha, type RestGateway } from './rest-kit.js';

/**
 * The OpenAPI document is what clients are generated from, so it must describe the wire exactly:
 * every operation declares its success schema, and real answers of every endpoint (success and
 * error) validate against the schemas the served `/docs-json` declares, with no undocumented
 * field. The validator is shown to refuse a wrong body first, so a pass means something.
 */
export function describeResponseSchemas(gateway: RestGateway): void {
  describe('REST answers against the served OpenAPI schemas', () => {
    const { api } = gateway;
    let document: OpenApiDocument;
    let validator: ReturnType<typeof openApiResponses>;

    beforeAll(async () => {
      document = bodyOf<OpenApiDocument>(await api().get('/docs-json').expect(200));
      validator = openApiResponses(document);
    });

    /** Calls, then checks the answer against `path`'s schema for the status it came back with. */
    async function expectDocumented(
      call: request.Test,
      method: string,
      path: string,
      status: number,
    ): Promise<unknown> {
      const response = await call;
      expect(response.status).toBe(status);
      expect({ path, status, errors: validator.check(method, path, status, response.body) }).toEqual({
        path,
        status,
        errors: null,
      });
      return response.body;
    }

    it('declares a success schema for every operation', () => {
      const missing = Object.entries(document.paths).flatMap(([path, operations]) =>
        Object.entries(operations)
          .filter(([, operation]) => {
            const content = operation.responses?.['200']?.content ?? {};
            return !Object.values(content).some((media) => media.schema !== undefined);
          })
          .map(([method]) => `${method.toUpperCase()} ${path}`),
      );
      expect(missing).toEqual([]);
    });

    it('refuses an answer with a wrong type or an undocumented field (the check is not blind)', async () => {
      const body = bodyOf<Record<string, unknown>>(
        await api().get('/v1/confluence/binance/BTC-USDT').expect(200),
      );
      const path = '/v1/confluence/{exchange}/{symbol}';
      expect(validator.check('get', path, 200, body)).toBeNull();
      expect(validator.check('get', path, 200, { ...body, score: '55' })).not.toBeNull();
      expect(validator.check('get', path, 200, { ...body, secret: 1 })).not.toBeNull();
      expect(validator.check('get', path, 200, { ...body, label: 'MAYBE' })).not.toBeNull();
    });

    it('documents the reads: markets, latest, many, history, signals, candles, weights', async () => {
      await expectDocumented(api().get('/v1/markets'), 'get', '/v1/markets', 200);
      await expectDocumented(
        api().get('/v1/confluence/binance/BTC-USDT?timeframe=5m'),
        'get',
        '/v1/confluence/{exchange}/{symbol}',
        200,
      );
      const many = await expectDocumented(
        api().get('/v1/confluence?markets=binance:BTC/USDT,binance:LTC-USDT:1m'),
        'get',
        '/v1/confluence',
        200,
      );
      expect((many as { results: unknown[] }).results).toHaveLength(2);
      await expectDocumented(
        api().get('/v1/confluence/binance/BTC-USDT/history?limit=3'),
        'get',
        '/v1/confluence/{exchange}/{symbol}/history',
        200,
      );
      await expectDocumented(api().get('/v1/signals?limit=5'), 'get', '/v1/signals', 200);
      const candles = await expectDocumented(
        api().get('/v1/candles/binance/BTC-USDT?timeframe=5m&limit=3'),
        'get',
        '/v1/candles/{exchange}/{symbol}',
        200,
      );
      expect((candles as { candles: unknown[] }).candles).toHaveLength(3);
      await expectDocumented(api().get('/v1/weights'), 'get', '/v1/weights', 200);
      await expectDocumented(api().get('/v1/weights?symbol=LTC-USDT'), 'get', '/v1/weights', 200);
    });

    it('documents the computations and the health answers', async () => {
      const candles = loadMarketCandles(MARKET_FILES.btc1m, 300);
      await expectDocumented(
        api()
          .post('/v1/confluence/analyze')
          .set('X-API-Key', alpha.key)
          .send({ symbol: 'BTC/USDT', candles: { '1m': candles } }),
        'post',
        '/v1/confluence/analyze',
        200,
      );
      await expectDocumented(
        api()
          .post('/v1/indicators')
          .set('X-API-Key', alpha.key)
          .send({ candles: candles.slice(0, 60) }),
        'post',
        '/v1/indicators',
        200,
      );
      // Without OPENAI_API_KEYS every opinion is `unavailable`; the e2e of the LLM endpoints
      // (gateway-llm.e2e-spec.ts) checks the available ones against the same document.
      const withOpinion = await expectDocumented(
        api()
          .post('/v1/confluence/analyze')
          .set('X-API-Key', alpha.key)
          .send({ symbol: 'BTC/USDT', candles: { '1m': candles }, llm: true }),
        'post',
        '/v1/confluence/analyze',
        200,
      );
      expect((withOpinion as { llm: unknown }).llm).toMatchObject({
        status: 'unavailable',
        reason: 'no-key',
      });
      await expectDocumented(
        api().post('/v1/llm/analyze/binance/BTC-USDT').set('X-API-Key', alpha.key),
        'post',
        '/v1/llm/analyze/{exchange}/{symbol}',
        200,
      );
      await expectDocumented(api().get('/v1/llm/costs'), 'get', '/v1/llm/costs', 200);
      await expectDocumented(api().get('/health/ready'), 'get', '/health/ready', 200);
      await expectDocumented(api().get('/health/live'), 'get', '/health/live', 200);
    });

    it('documents the error answers: 400 with its fields, 401, 404', async () => {
      const invalid = await expectDocumented(
        api().get('/v1/confluence/binance/BTC-USDT/history?from=2000&to=1000'),
        'get',
        '/v1/confluence/{exchange}/{symbol}/history',
        400,
      );
      expect((invalid as { errors: unknown[] }).errors).toEqual([{ field: 'from', message: 'must be ≤ to' }]);
      await expectDocumented(
        api().post('/v1/confluence/analyze').send({ symbol: 'BTC/USDT', candles: {} }),
        'post',
        '/v1/confluence/analyze',
        401,
      );
      await expectDocumented(
        api().get('/v1/confluence/binance/DOGE-USDT'),
        'get',
        '/v1/confluence/{exchange}/{symbol}',
        404,
      );
      await expectDocumented(
        api().post('/v1/llm/analyze/binance/DOGE-USDT').set('X-API-Key', alpha.key),
        'post',
        '/v1/llm/analyze/{exchange}/{symbol}',
        404,
      );
      const badDay = await expectDocumented(
        api().get('/v1/llm/costs?from=2026-02-30'),
        'get',
        '/v1/llm/costs',
        400,
      );
      expect((badDay as { errors: unknown[] }).errors).toEqual([
        { field: 'from', message: 'is not a day of the calendar: 2026-02-30' },
      ]);
    });
  });
}
