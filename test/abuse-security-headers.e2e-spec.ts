import type { IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import type { Response } from 'supertest';
import { loadConfig } from '@app/config';
import { StoreUnavailableError } from '@app/contracts';
import { MarketBoard, ResultQueries } from '@app/gateway';
import { createServiceApp, initServiceApp } from '@app/platform';
import {
  createConfigFixture,
  createReplayDataDir,
  httpServerOf,
  MARKET_FILES,
  type ConfigFixture,
  type ReplayDataDir,
} from '@app/testing';
import { gatewaySecurityHeaders } from '../apps/api-gateway/src/http/security-headers.js';
import { localService } from '../local/local.definition.js';
import {
  apiKeyHashes,
  BASE_PATCHES,
  BOOT_TIMEOUT_MS,
  rateLimitPatches,
  syntheticCandles,
  testApiKey,
  waitForStoredReplay,
} from './gateway-kit.js';
import { requireBuilt } from './process-kit.js';

/**
 * Every answer the gateway can give carries the same security headers (helmet's), whoever
 * answers it: a controller, Nest's error filter, Fastify's router before any hook (bad
 * percent-encoding, an over-long path segment), Fastify's body limits, the throttler, engine.io's
 * polling transport, and Node's HTTP parser (a malformed request, headers too large). The whole
 * local-mode app, listening on loopback.
 */

const alpha = testApiKey('headers-alpha');
const BODY_LIMIT = 16_384;
const analyzeBody = { symbol: 'BTC/USDT', candles: { '1m': syntheticCandles(60) } };

/** The headers helmet sets for the gateway, lower-cased as Node reports them. */
const EXPECTED = Object.fromEntries(
  gatewaySecurityHeaders().map(([name, value]) => [name.toLowerCase(), value]),
);

/** Which security headers an answer lacks or carries with another value (empty when all are right). */
function wrongHeaders(headers: IncomingHttpHeaders): string[] {
  return Object.entries(EXPECTED)
    .filter(([name, value]) => headers[name] !== value)
    .map(([name]) => `${name}=${String(headers[name])}`);
}

/** Writes raw bytes on a fresh TCP connection and resolves with everything the server sent back. */
function rawExchange(port: number, bytes: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
    });
    socket.on('error', reject);
    socket.on('close', () => {
      resolve(Buffer.concat(chunks).toString('latin1'));
    });
    socket.write(bytes);
  });
}

/** Status and headers (lower-cased names) of a raw HTTP/1.1 answer. */
function parseRaw(answer: string): { status: number; headers: IncomingHttpHeaders; body: string } {
  const [head = '', body = ''] = answer.split('\r\n\r\n');
  const [statusLine = '', ...lines] = head.split('\r\n');
  const headers: IncomingHttpHeaders = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { status: Number(statusLine.split(' ')[1]), headers, body };
}

describe('security headers on every answer of the gateway', () => {
  let app: INestApplication;
  let port: number;
  let fixture: ConfigFixture;
  let data: ReplayDataDir;

  beforeAll(async () => {
    data = createReplayDataDir([{ file: MARKET_FILES.btc1m, limit: 80 }]);
    fixture = createConfigFixture();
    for (const { file, from, to } of [
      ...BASE_PATCHES,
      { file: 'app.yaml', from: 'bodyLimitBytes: 2097152', to: `bodyLimitBytes: ${BODY_LIMIT}` },
      // Three per client: requests are counted before their body is read (ADR 0017), so the invalid
      // JSON and the body over the limit take the key's first two, the analysis its third, and the
      // next is the throttler's 429.
      ...rateLimitPatches({ analyze: 3 }),
    ])
      fixture.patch(file, from, to);
    const config = loadConfig({
      env: { CONFIG_DIR: fixture.dir, DATA_DIR: data.dir, API_KEY_HASHES: apiKeyHashes([alpha]) },
    });
    app = await createServiceApp(config, localService);
    await initServiceApp(app);
    await app.listen(0, '127.0.0.1');
    port = (httpServerOf(app).address() as AddressInfo).port;
    await waitForStoredReplay(app);
  }, BOOT_TIMEOUT_MS);

  afterAll(async () => {
    await app.close();
    fixture.cleanup();
    data.cleanup();
  });

  it('knows what it expects: helmet strict defaults, the docs page allowed its inline scripts', () => {
    expect(EXPECTED).toMatchObject({
      'content-security-policy': expect.stringContaining("script-src 'self' 'unsafe-inline'"),
      'strict-transport-security': expect.stringContaining('max-age='),
      'x-content-type-options': 'nosniff',
      'x-frame-options': 'SAMEORIGIN',
      'referrer-policy': 'no-referrer',
      'cross-origin-opener-policy': 'same-origin',
    });
  });

  it('on each status the HTTP stack answers, from a controller to the router before any hook', async () => {
    requireBuilt(['dist/dashboard/index.html']);
    const api = (): ReturnType<typeof request> => request(httpServerOf(app));
    const latest = await api().get('/v1/confluence/binance/BTC-USDT').expect(200);
    const answers: [string, number, Response][] = [
      ['a controller', 200, await api().get('/v1/markets')],
      ['the docs page', 200, await api().get('/docs')],
      ['liveness', 200, await api().get('/health/live')],
      ['metrics', 200, await api().get('/metrics')],
      ['a CORS preflight', 204, await preflight()],
      ['the dashboard', 200, await api().get('/')],
      [
        'an unchanged result',
        304,
        await api().get('/v1/confluence/binance/BTC-USDT').set('If-None-Match', String(latest.headers.etag)),
      ],
      ['validation', 400, await api().get('/v1/confluence/binance/BTC-USDT/history?limit=0')],
      ['a time out of range', 400, await api().get('/v1/signals?since=99999999999999999')],
      ['bad percent-encoding in the path', 400, await api().get('/v1/confluence/binance/%E0%A4%A')],
      ['an over-long path segment', 400, await api().get(`/v1/confluence/binance/${'X'.repeat(1001)}`)],
      ['invalid JSON', 400, await post('{"symbol":').set('X-API-Key', alpha.key)],
      ['no key', 401, await post(JSON.stringify(analyzeBody))],
      ['an unknown key', 401, await api().get('/v1/markets').set('X-API-Key', 'ck_nope')],
      ['an unknown route', 404, await api().get('/v1/nothing-here')],
      ['an unknown market', 404, await api().get('/v1/confluence/binance/DOGE-USDT')],
      [
        'a body over the limit',
        413,
        await post(JSON.stringify({ pad: 'x'.repeat(BODY_LIMIT) })).set('X-API-Key', alpha.key),
      ],
      [
        'a body that is not JSON',
        415,
        await api()
          .post('/v1/indicators')
          .set('X-API-Key', alpha.key)
          .set('Content-Type', 'text/plain')
          .send('x'),
      ],
      ['a first analysis', 200, await post(JSON.stringify(analyzeBody)).set('X-API-Key', alpha.key)],
      ['the throttler', 429, await post(JSON.stringify(analyzeBody)).set('X-API-Key', alpha.key)],
      ['an unexpected failure', 500, await failing(() => new Error('boom'), '/v1/markets')],
      [
        'a store outage',
        503,
        await failing(
          () => new StoreUnavailableError('store down'),
          '/v1/confluence/binance/BTC-USDT/history',
        ),
      ],
    ];

    expect(answers.map(([what, , response]) => `${what} ${response.status}`)).toEqual(
      answers.map(([what, status]) => `${what} ${status}`),
    );
    const missing = answers
      .map(([what, status, response]) => ({
        what: `${what} ${status}`,
        wrong: wrongHeaders(response.headers),
      }))
      .filter(({ wrong }) => wrong.length > 0);
    expect(missing).toEqual([]);

    function post(body: string): request.Test {
      return api().post('/v1/confluence/analyze').set('Content-Type', 'application/json').send(body);
    }
    function preflight(): request.Test {
      return api()
        .options('/v1/confluence/analyze')
        .set('Origin', 'http://localhost:3000')
        .set('Access-Control-Request-Method', 'POST');
    }
    /** `path` answered while a provider throws `error` (restored after). */
    async function failing(error: () => Error, path: string): Promise<Response> {
      const spies = [
        jest.spyOn(app.get(MarketBoard), 'list').mockImplementation(() => {
          throw error();
        }),
        jest.spyOn(app.get(ResultQueries), 'history').mockRejectedValue(error()),
      ];
      try {
        return await api().get(path);
      } finally {
        for (const spy of spies) spy.mockRestore();
      }
    }
  });

  it("on Socket.IO's polling answers, which engine.io gives without Fastify", async () => {
    const handshake = await request(httpServerOf(app)).get('/socket.io/?EIO=4&transport=polling');
    const unknownTransport = await request(httpServerOf(app)).get(
      '/socket.io/?EIO=4&transport=carrier-pigeon',
    );

    expect([handshake.status, unknownTransport.status]).toEqual([200, 400]);
    expect(handshake.text).toMatch(/^0\{"sid":/);
    expect(wrongHeaders(handshake.headers)).toEqual([]);
    expect(wrongHeaders(unknownTransport.headers)).toEqual([]);
  });

  it("on what Node's HTTP parser refuses, answered in the one error shape", async () => {
    const malformed = parseRaw(
      await rawExchange(port, 'GET /v1/markets HTTP/1.1\r\nHost: x\r\nno colon here\r\n\r\n'),
    );
    const oversized = parseRaw(
      await rawExchange(port, `GET /v1/markets HTTP/1.1\r\nHost: x\r\nX-Pad: ${'p'.repeat(20_000)}\r\n\r\n`),
    );

    for (const [answer, status] of [
      [malformed, 400],
      [oversized, 431],
    ] as const) {
      expect(answer.status).toBe(status);
      expect(wrongHeaders(answer.headers)).toEqual([]);
      expect(JSON.parse(answer.body)).toEqual({
        statusCode: status,
        error: status === 400 ? 'Bad Request' : 'Request Header Fields Too Large',
        message: expect.any(String),
        requestId: answer.headers['x-request-id'],
      });
    }
    // The server still answers afterwards.
    await request(httpServerOf(app)).get('/health/live').expect(200);
  });
});
