import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import request from 'supertest';
import { type ConfluenceConfig, loadConfig, WeightsConfig } from '@app/config';
import { WeightManager } from '@app/confluence';
import { hashApiKey, MarketBoard, OnDemandAnalysis, ResultQueries } from '@app/gateway';
import { candleFactory, createConfigFixture, type FastifyTestApp, RecordingLogger } from '@app/testing';
import { CatalogController } from '../rest/catalog.controller.js';
import { startRestController } from '../rest/testing/rest-controller-kit.js';

/**
 * Who may POST without a key, through the real REST edge and guards built from a real config:
 * only a local, loopback gateway with no key configured is open; every other set-up keeps the rule.
 */

const KEY = 'ck_access_spec_key';

function configWith(
  patches: readonly [string, string][],
  env: Record<string, string> = {},
): ConfluenceConfig {
  const fixture = createConfigFixture();
  try {
    for (const [from, to] of patches) fixture.patch('app.yaml', from, to);
    return loadConfig({ env: { CONFIG_DIR: fixture.dir, ...env } });
  } finally {
    fixture.cleanup();
  }
}

async function start(config: ConfluenceConfig): Promise<FastifyTestApp> {
  const onDemand = {
    indicators: jest.fn<OnDemandAnalysis['indicators']>((candles) => ({
      length: candles.length,
      indicators: { rsi14: candles.map(() => null) },
    })),
  };
  return startRestController({
    config,
    controller: CatalogController,
    providers: [
      { provide: MarketBoard, useValue: { list: () => [] } },
      { provide: ResultQueries, useValue: {} },
      { provide: OnDemandAnalysis, useValue: onDemand },
      { provide: WeightManager, useValue: new WeightManager(config.weights) },
      { provide: WeightsConfig, useValue: config.weights },
    ],
    logger: new RecordingLogger(),
  });
}

const body = { candles: [candleFactory.raw({ timestamp: 60_000 })], timeframe: '1m' };
const running: FastifyTestApp[] = [];

async function post(config: ConfluenceConfig, key?: string): Promise<{ status: number; message: unknown }> {
  const app = await start(config);
  running.push(app);
  const call = request(app.server).post('/v1/indicators');
  const response = await (key === undefined ? call : call.set('X-API-Key', key)).send(body);
  return { status: response.status, message: (response.body as { message?: unknown }).message };
}

afterAll(async () => {
  await Promise.all(running.map((app) => app.close()));
});

describe('POST without an API key', () => {
  let local: ConfluenceConfig;
  beforeAll(() => {
    local = configWith([]);
  });

  it('is served by a local gateway on loopback with no keys configured (npm start out of the box)', async () => {
    expect(local.app.http.host).toBe('127.0.0.1');
    expect(local.environment.apiKeyHashes).toEqual([]);

    expect(await post(local)).toMatchObject({ status: 200 });
    // No key can match when none exists: one sent anyway is ignored, not refused.
    expect(await post(local, 'some-other-deployments-key')).toMatchObject({ status: 200 });
  });

  it('is refused by a local gateway listening on every interface', async () => {
    const exposed = configWith([['host: 127.0.0.1', 'host: 0.0.0.0']]);

    expect(await post(exposed)).toEqual({
      status: 401,
      message: 'this endpoint needs an API key, and none is configured (set API_KEY_HASHES)',
    });
  });

  it('is refused in distributed mode, even on loopback', async () => {
    const distributed = configWith([['mode: local', 'mode: distributed']], {
      REDIS_URL: 'redis://127.0.0.1:6379',
      MONGODB_URI: 'mongodb://127.0.0.1:1/confluence',
    });

    expect(distributed.app.http.host).toBe('127.0.0.1');
    expect(await post(distributed)).toMatchObject({ status: 401 });
  });

  it('is refused by a local gateway once a key is configured, which then serves that key', async () => {
    const keyed = configWith([], { API_KEY_HASHES: `me:${hashApiKey(KEY)}` });

    expect(await post(keyed)).toEqual({ status: 401, message: 'X-API-Key header required' });
    expect(await post(keyed, KEY)).toMatchObject({ status: 200 });
    expect(await post(keyed, 'wrong')).toMatchObject({ status: 401 });
  });
});
