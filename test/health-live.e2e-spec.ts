import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { type ConfluenceConfig, loadConfig } from '@app/config';
import { createServiceApp, initServiceApp, type ReadinessBody, type ServiceDefinition } from '@app/platform';
import { type ConfigFixture, createConfigFixture, eventually, httpServerOf } from '@app/testing';
import { analysisWorkerService } from '../apps/analysis-worker/src/analysis-worker.definition.js';
import { apiGatewayService } from '../apps/api-gateway/src/api-gateway.definition.js';
import { marketDataService } from '../apps/market-data/src/market-data.definition.js';
import { localService } from '../local/local.definition.js';

const SERVICES: readonly ServiceDefinition[] = [
  apiGatewayService,
  analysisWorkerService,
  marketDataService,
  localService,
];

let app: INestApplication | undefined;
let fixture: ConfigFixture;
let config: ConfluenceConfig;

beforeAll(() => {
  // The project's configuration, with the fixtures' generous store timeouts.
  fixture = createConfigFixture();
  config = loadConfig({ env: { CONFIG_DIR: fixture.dir } });
});

afterAll(() => {
  fixture.cleanup();
});

afterEach(async () => {
  await app?.close();
  app = undefined;
});

describe('GET /health/live', () => {
  it.each(SERVICES.map((service) => [service.name, service] as const))(
    'answers 200 for %s',
    async (_name, service) => {
      app = await createServiceApp(config, service);
      await initServiceApp(app);

      const response = await request(httpServerOf(app)).get('/health/live').expect(200);

      expect(response.headers['cache-control']).toBe('no-store');
      expect(response.body).toEqual({
        status: 'ok',
        service: service.name,
        hosts: service.hosts,
        mode: 'local',
        version: '0.1.0',
        uptimeSeconds: expect.any(Number),
      });
    },
  );

  it('answers CORS preflights only for allowed origins', async () => {
    app = await createServiceApp(config, apiGatewayService);
    await initServiceApp(app);
    const server = httpServerOf(app);

    const allowed = await request(server).get('/health/live').set('Origin', 'http://localhost:3000');
    const denied = await request(server).get('/health/live').set('Origin', 'https://evil.example');

    expect(allowed.headers['access-control-allow-origin']).toBe('http://localhost:3000');
    expect(denied.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('answers 404 for unknown routes without a stack trace', async () => {
    app = await createServiceApp(config, localService);
    await initServiceApp(app);

    const response = await request(httpServerOf(app)).get('/health/nope').expect(404);

    expect(JSON.stringify(response.body)).not.toMatch(/at .*\.(ts|js):\d+/);
  });
});

describe('GET /health/ready', () => {
  /**
   * What each process checks. Local mode has one readiness route, the gateway's: the worker's and
   * market-data's readiness modules are added by their own service definitions only (a second
   * `GET /health/ready` in one process would fail its boot).
   */
  const CHECKS: Readonly<Record<string, readonly string[]>> = {
    'api-gateway': ['store', 'writes', 'bus', 'marketData', 'llm'],
    'analysis-worker': ['store', 'writes', 'bus', 'analysis', 'llm'],
    'market-data': ['exchanges', 'writes', 'bus'],
    local: ['store', 'writes', 'bus', 'marketData', 'llm'],
  };

  it.each(SERVICES.map((service) => [service.name, service] as const))(
    'answers in the shape every app shares for %s, never cached',
    async (name, service) => {
      app = await createServiceApp(config, service);
      await initServiceApp(app);
      const server = httpServerOf(app);

      // The store connects after boot (503 until then); ready once it answers.
      let response = await request(server).get('/health/ready');
      await eventually(async () => {
        response = await request(server).get('/health/ready');
        return response.status === 200;
      }, `${name} readiness to answer 200`);

      const body = response.body as ReadinessBody;
      expect(response.headers['cache-control']).toBe('no-store');
      expect(['ok', 'degraded']).toContain(body.status);
      expect(Object.keys(body.checks)).toEqual(CHECKS[name]);
      for (const check of Object.values(body.checks)) expect(['up', 'degraded']).toContain(check.status);
    },
  );
});
