import { createServer, type Server, type ServerResponse } from 'node:http';
import { type AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from '@jest/globals';
import { loadConfig } from '@app/config';
import { createConfigFixture, freePort, PROJECT_CONFIG_DIR } from '@app/testing';
import {
  probeReadiness,
  probeTimeoutMs,
  readinessUrl,
  readinessVerdict,
  serviceFromCommand,
} from './healthcheck.js';

describe('serviceFromCommand', () => {
  it.each([
    [['/usr/bin/tini', '--', 'node', 'dist/apps/market-data/src/main.js', ''], 'market-data'],
    [['/sbin/docker-init', '--', 'node', 'dist/apps/analysis-worker/src/main.js'], 'analysis-worker'],
    [['node', '/app/dist/apps/api-gateway/src/main.js'], 'api-gateway'],
    [['node', 'dist/local/main.js'], 'local'],
  ])('finds the app in %j', (argv, service) => {
    expect(serviceFromCommand(argv)).toBe(service);
  });

  it.each([
    [['/usr/bin/tini', '--', 'npm', 'run', 'start:gateway']],
    [['node', 'dist/apps/other/src/main.js']],
    [['node', 'dist/apps/market-data/src/main.js.map']],
    [['node', 'dist/tools/cli/main.js']],
    [[]],
  ])('finds none in %j', (argv) => {
    expect(serviceFromCommand(argv)).toBeUndefined();
  });
});

describe('readinessVerdict', () => {
  it('is healthy on ok', () => {
    expect(readinessVerdict(200, { status: 'ok', checks: { store: { status: 'up' } } })).toEqual({
      healthy: true,
      reason: 'ok',
    });
  });

  it('is healthy on degraded (still serving), naming the impaired checks but not their details', () => {
    const body = {
      status: 'degraded',
      checks: {
        store: { status: 'degraded', message: 'ping took 900 ms' },
        bus: { status: 'up' },
        writes: { status: 'degraded', pending: 12 },
      },
    };

    expect(readinessVerdict(200, body)).toEqual({ healthy: true, reason: 'degraded (store, writes)' });
  });

  it('is unhealthy on down (503), naming the checks that failed', () => {
    const body = { status: 'down', checks: { store: { status: 'down' }, bus: { status: 'up' } } };

    expect(readinessVerdict(503, body)).toEqual({ healthy: false, reason: 'down (store)' });
  });

  it.each([
    [200, { status: 'down' }],
    [503, { status: 'ok' }],
    [404, { message: 'Cannot GET /health/ready' }],
    [500, { status: 'ok' }],
    [200, undefined],
    [200, 'ok'],
    [200, { status: 'up' }],
  ])('is unhealthy on anything but a readiness answer: HTTP %d, %j', (status, body) => {
    expect(readinessVerdict(status, body)).toMatchObject({
      healthy: false,
      reason: expect.stringMatching(/^unexpected answer: HTTP \d+/),
    });
  });
});

describe('probeReadiness', () => {
  const servers: Server[] = [];

  afterEach(async () => {
    await Promise.all(
      servers.splice(0).map(
        (server) =>
          new Promise<void>((resolveClosed) => {
            server.closeAllConnections();
            server.close(() => {
              resolveClosed();
            });
          }),
      ),
    );
  });

  /** A real HTTP server answering every request with `answer`, on a free port. */
  async function serve(answer: (response: ServerResponse) => void): Promise<string> {
    const server = createServer((request, response) => {
      if (request.url !== '/health/ready') {
        response.writeHead(404).end();
        return;
      }
      answer(response);
    });
    servers.push(server);
    await new Promise<void>((resolveListening) => server.listen(0, '127.0.0.1', resolveListening));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}/health/ready`;
  }

  function json(status: number, body: unknown): (response: ServerResponse) => void {
    return (response) =>
      response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  }

  it('is healthy when the app answers ok or degraded', async () => {
    const ok = await serve(json(200, { status: 'ok', checks: {} }));
    const degraded = await serve(json(200, { status: 'degraded', checks: { bus: { status: 'degraded' } } }));

    expect(await probeReadiness(ok, 5_000)).toEqual({ healthy: true, reason: 'ok' });
    expect(await probeReadiness(degraded, 5_000)).toEqual({ healthy: true, reason: 'degraded (bus)' });
  });

  it('is unhealthy when the app answers down', async () => {
    const url = await serve(json(503, { status: 'down', checks: { store: { status: 'down' } } }));

    expect(await probeReadiness(url, 5_000)).toEqual({ healthy: false, reason: 'down (store)' });
  });

  it('is unhealthy when something else answers on the port', async () => {
    const url = await serve((response) => response.writeHead(200).end('<html>welcome</html>'));

    expect(await probeReadiness(url, 5_000)).toEqual({
      healthy: false,
      reason: 'unexpected answer: HTTP 200, status undefined',
    });
  });

  it('is unhealthy when nothing listens', async () => {
    const url = `http://127.0.0.1:${await freePort()}/health/ready`;

    expect(await probeReadiness(url, 5_000)).toEqual({ healthy: false, reason: `${url}: ECONNREFUSED` });
  });

  it('gives up on an app that accepts the request and never answers', async () => {
    // The server holds every request open; only the probe's own timeout can end the wait.
    const url = await serve(() => undefined);

    expect(await probeReadiness(url, 200)).toEqual({
      healthy: false,
      reason: `no answer from ${url} within 200 ms`,
    });
  });
});

describe('readinessUrl and probeTimeoutMs', () => {
  const production = {
    CONFIG_DIR: PROJECT_CONFIG_DIR,
    NODE_ENV: 'production',
    REDIS_URL: 'redis://:pw@redis:6379',
    MONGODB_URI: 'mongodb://user:pw@mongo:27017/confluence?authSource=admin',
  };

  it('asks each app on loopback at its configured port when it listens on every interface', () => {
    const config = loadConfig({ env: production });

    expect(readinessUrl(config, 'api-gateway')).toBe('http://127.0.0.1:3000/health/ready');
    expect(readinessUrl(config, 'analysis-worker')).toBe('http://127.0.0.1:3001/health/ready');
    expect(readinessUrl(config, 'market-data')).toBe('http://127.0.0.1:3002/health/ready');
  });

  it('follows PORT and a configured host, as the app does', () => {
    expect(readinessUrl(loadConfig({ env: { ...production, PORT: '4100' } }), 'market-data')).toBe(
      'http://127.0.0.1:4100/health/ready',
    );
    expect(readinessUrl(loadConfig({ env: { CONFIG_DIR: PROJECT_CONFIG_DIR } }), 'local')).toBe(
      'http://127.0.0.1:3000/health/ready',
    );
  });

  it.each([
    ['::', 'http://127.0.0.1:3002/health/ready'],
    ['::1', 'http://[::1]:3002/health/ready'],
  ])('brackets an IPv6 host and asks loopback for the wildcard (host %s)', (host, url) => {
    const fixture = createConfigFixture();
    try {
      fixture.patch('app.yaml', 'host: 127.0.0.1', `host: '${host}'`);

      expect(readinessUrl(loadConfig({ env: { CONFIG_DIR: fixture.dir } }), 'market-data')).toBe(url);
    } finally {
      fixture.cleanup();
    }
  });

  it('waits a second longer than readiness may wait for a slow dependency', () => {
    const config = loadConfig({ env: production });

    expect(probeTimeoutMs(config)).toBe(config.monitoring.health.dependencyTimeoutMs + 1_000);
  });
});
