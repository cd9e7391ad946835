import { describe, expect, it } from '@jest/globals';
import { bodyOf, expectError, fail } from '../gateway-kit.js';
import { requireBuilt } from '../process-kit.js';
import { fieldsOf, type RestGateway } from './rest-kit.js';

/**
 * The gateway's REST API over the real local-mode app, beyond the results: signal changes and
 * weights, health, metrics and the OpenAPI docs, and what every endpoint shares: request ids,
 * security headers and CORS.
 */

export function describeOperations(gateway: RestGateway): void {
  describe('REST signals, weights and operations', () => {
    const { api, signals, storedAll } = gateway;

    describe('GET /v1/signals', () => {
      it('filters by exchange, symbol, timeframe and since, newest first, up to limit', async () => {
        const all = await signals().list({
          exchange: 'binance',
          symbol: 'BTC/USDT',
          timeframe: '5m',
          limit: 1000,
        });
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

        expect(new Set(fieldsOf(body))).toEqual(
          new Set(['exchange', 'symbol', 'timeframe', 'since', 'limit']),
        );
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
      it('answers liveness, and readiness ok with the store, writes, bus, market-data and LLM checks', async () => {
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
            // No OPENAI_API_KEYS here: opinions are off, which is not a fault.
            llm: { status: 'up', state: 'off', message: 'no LLM opinions: no OPENAI_API_KEYS configured' },
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
          paths: Record<
            string,
            Record<
              string,
              { security?: Record<string, unknown>[]; responses?: Record<string, { description?: string }> }
            >
          >;
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
            '/v1/candles/{exchange}/{symbol}',
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
        // Every operation says what it answers on success (clients are generated from this).
        const undeclared = Object.entries(doc.paths).flatMap(([path, operations]) =>
          Object.entries(operations)
            .filter(([, operation]) => !(operation.responses?.['200']?.description ?? ''))
            .map(([method]) => `${method.toUpperCase()} ${path}`),
        );
        expect(undeclared).toEqual([]);
        // Pages are not API: the dashboard and its assets stay out of the document.
        expect(Object.keys(doc.paths).filter((path) => !/^\/(v1|health|metrics)\b/.test(path))).toEqual([]);
        const [scheme] = Object.keys(doc.components.securitySchemes);
        expect(doc.paths['/v1/confluence/analyze']?.post?.security).toEqual([{ [scheme ?? '']: [] }]);
        expect(page.headers['content-type']).toMatch(/^text\/html/);
        expect(page.text).toMatch(/swagger-ui/i);
      });

      it('serves the dashboard at / (the built page, revalidated) and its assets (cached for good)', async () => {
        requireBuilt(['dist/dashboard/index.html']);
        const home = await api().get('/').expect(200);
        const script = /<script type="module" crossorigin src="(\/assets\/[^"]+\.js)"/.exec(home.text)?.[1];

        expect(home.headers['content-type']).toMatch(/^text\/html/);
        expect(home.headers['cache-control']).toBe('no-cache');
        expect(home.headers['x-content-type-options']).toBe('nosniff');
        expect(home.headers['content-security-policy']).toContain("script-src 'self'");
        expect(script).toBeDefined();
        const asset = await api()
          .get(script ?? fail())
          .expect(200);
        expect(asset.headers['content-type']).toMatch(/javascript/);
        expect(asset.headers['cache-control']).toBe('public, max-age=31536000, immutable');
        // Only the built files: any other path is the gateway's 404, in its error shape.
        expectError(await api().get('/assets/nothing.js'), 404);
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
  });
}
