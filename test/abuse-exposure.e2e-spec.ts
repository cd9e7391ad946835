import { createServer, request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { freePort, isListening } from '@app/testing';
import { BOOT_TIMEOUT_MS, type LocalGateway, startLocalGateway, testApiKey } from './gateway-kit.js';
import { requireBuilt } from './process-kit.js';

/**
 * What a gateway exposes without a key (issue 27, item 8), each part configurable in app.yaml and
 * described in the README's "Security and exposure": `/metrics` behind a key
 * (`access.metricsRequireKey`) or on a port of its own (`http.metricsPort`, off the API port), and
 * the API documents on or off (`access.docs`; off in production). A part that is off answers
 * exactly as an unknown path does.
 */

const KEY = testApiKey('ops');
const DOCS_PATHS = ['/docs', '/docs-json', '/docs/asyncapi.json'] as const;

/** An answer without its request id (the one field that differs between two 404s). */
function withoutRequestId(body: unknown): unknown {
  const { requestId: _requestId, ...rest } = body as Record<string, unknown>;
  return rest;
}

/** A plain GET on 127.0.0.1:port (the metrics listener is no Nest app for supertest to hold). */
function get(
  port: number,
  path: string,
  method = 'GET',
): Promise<{ status: number; type: string; body: string }> {
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest({ host: '127.0.0.1', port, path, method }, (response) => {
      let body = '';
      response.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
      response.on('end', () => {
        resolve({ status: response.statusCode ?? 0, type: response.headers['content-type'] ?? '', body });
      });
    });
    outgoing.on('error', reject);
    outgoing.end();
  });
}

function describeGateway(
  name: string,
  options: Parameters<typeof startLocalGateway>[0],
  tests: (gateway: () => LocalGateway) => void,
): void {
  describe(name, () => {
    let running: LocalGateway | undefined;
    beforeAll(async () => {
      running = await startLocalGateway({ awaitReplay: false, ...options });
    }, BOOT_TIMEOUT_MS);
    afterAll(async () => {
      await running?.close();
    });
    tests(() => {
      if (running === undefined) throw new Error('gateway not started');
      return running;
    });
  });
}

describeGateway('the shipped defaults (local mode, a key configured)', { apiKeys: [KEY] }, (gateway) => {
  it('serves /metrics without a key, the API documents and the dashboard', async () => {
    const { server } = gateway();
    const metrics = await request(server).get('/metrics').expect(200);
    expect(metrics.text).toContain('# HELP confluence_http_request_duration_seconds');
    await request(server).get('/docs-json').expect(200);
    await request(server).get('/docs/asyncapi.json').expect(200);
    requireBuilt(['dist/dashboard/index.html']);
    expect((await request(server).get('/').expect(200)).headers['content-type']).toMatch(/^text\/html/);
  });
});

describeGateway(
  'access.metricsRequireKey: true',
  {
    apiKeys: [KEY],
    patches: [{ file: 'app.yaml', from: 'metricsRequireKey: false', to: 'metricsRequireKey: true' }],
  },
  (gateway) => {
    it('answers /metrics 401 without a valid key and 200 with one; reads stay open', async () => {
      const { server } = gateway();
      const missing = await request(server).get('/metrics').expect(401);
      expect(withoutRequestId(missing.body)).toEqual({
        statusCode: 401,
        error: 'Unauthorized',
        message: 'X-API-Key header required',
      });
      expect(missing.text).not.toContain('confluence_');
      const wrong = await request(server).get('/metrics').set('X-API-Key', `${KEY.key}x`).expect(401);
      expect(wrong.body).toMatchObject({ message: 'X-API-Key does not match any configured key' });

      const scraped = await request(server).get('/metrics').set('X-API-Key', KEY.key).expect(200);
      expect(scraped.text).toContain('# HELP confluence_http_request_duration_seconds');
      // Only /metrics: reads follow access.readsRequireKey (false here).
      await request(server).get('/v1/markets').expect(200);
    });
  },
);

describeGateway(
  'access.docs: false',
  { patches: [{ file: 'app.yaml', from: 'docs: true', to: 'docs: false' }] },
  (gateway) => {
    it.each(DOCS_PATHS)('%s answers 404, as an unknown path does', async (path) => {
      const { server } = gateway();
      const answer = await request(server).get(path).expect(404);
      const unknown = await request(server).get(`${path}/no-such-path`).expect(404);
      expect(withoutRequestId(answer.body)).toEqual({
        ...(withoutRequestId(unknown.body) as object),
        message: `Cannot GET ${path}`,
      });
      expect(answer.headers['content-type']).toBe(unknown.headers['content-type']);
    });

    it('still serves the dashboard at / (a page; its data keeps its own keys)', async () => {
      requireBuilt(['dist/dashboard/index.html']);
      const home = await request(gateway().server).get('/').expect(200);
      expect(home.text).toContain('<title>Confluence dashboard</title>');
    });
  },
);

describe('http.metricsPort', () => {
  let running: LocalGateway | undefined;
  let metricsPort = 0;
  beforeAll(async () => {
    metricsPort = await freePort();
    running = await startLocalGateway({
      awaitReplay: false,
      apiKeys: [KEY],
      patches: [{ file: 'app.yaml', from: 'metricsPort: null', to: `metricsPort: ${metricsPort}` }],
    });
  }, BOOT_TIMEOUT_MS);
  afterAll(async () => {
    await running?.close();
  });

  it('serves /metrics on its own port only: the API port answers 404, with a key too', async () => {
    const server = running?.server;
    if (server === undefined) throw new Error('gateway not started');
    const onApi = await request(server).get('/metrics').set('X-API-Key', KEY.key).expect(404);
    expect(withoutRequestId(onApi.body)).toEqual({
      statusCode: 404,
      error: 'Not Found',
      message: 'Cannot GET /metrics',
    });

    const scraped = await get(metricsPort, '/metrics');
    expect([scraped.status, scraped.type]).toEqual([200, 'text/plain; version=0.0.4; charset=utf-8']);
    expect(scraped.body).toContain('# HELP confluence_http_request_duration_seconds');
    // The listener answers that one path and method, nothing of the API.
    expect((await get(metricsPort, '/metrics?x=1')).status).toBe(200);
    expect((await get(metricsPort, '/v1/markets')).status).toBe(404);
    expect((await get(metricsPort, '/docs')).status).toBe(404);
    expect((await get(metricsPort, '/metrics', 'POST')).status).toBe(404);
  });

  it('closes its listener with the app', async () => {
    expect(await isListening(metricsPort)).toBe(true);
    await running?.close();
    running = undefined;
    expect(await isListening(metricsPort)).toBe(false);
  });

  it('fails the start, naming the setting, when the port is taken', async () => {
    const holder = createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    const address = holder.address();
    const taken = typeof address === 'object' && address !== null ? address.port : 0;
    try {
      await expect(
        startLocalGateway({
          awaitReplay: false,
          patches: [
            { file: 'app.yaml', from: 'metricsPort: null', to: `metricsPort: ${taken}` },
            // Closing an app whose init failed waits out one store operation (the fixture's 60 s).
            { file: 'app.yaml', from: 'operationTimeoutMs: 60000', to: 'operationTimeoutMs: 1000' },
          ],
        }),
      ).rejects.toThrow(
        new RegExp(`^metrics port ${taken} \\(app\\.yaml http\\.metricsPort\\): listen EADDRINUSE`),
      );
    } finally {
      await new Promise((resolve) => holder.close(resolve));
    }
  });
});
