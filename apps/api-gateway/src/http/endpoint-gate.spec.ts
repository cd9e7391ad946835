import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { Body, Controller, Get, HttpCode, Post } from '@nestjs/common';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { ThrottlerModule, type ThrottlerStorage } from '@nestjs/throttler';
import request from 'supertest';
import { AppConfig, type ConfluenceConfig, loadConfig } from '@app/config';
import {
  AccessPolicy,
  ApiKeyRing,
  GatewayMetrics,
  hashApiKey,
  MarketBoard,
  MemoryThrottlerStorage,
} from '@app/gateway';
import { createConfigFixture, type FastifyTestApp, RecordingLogger, startFastifyApp } from '@app/testing';
import { EndpointGate } from './endpoint-gate.js';
import { Endpoint, throttlerOptions } from './guards.js';
import { RequestContextHooks } from './request-context.hooks.js';

/**
 * The EndpointGate on a bare controller: what it counts and under which key, that it runs before
 * the body parser (a refused body is never parsed), and that an @Endpoint route without the gate
 * fails closed.
 */

const KEY = 'ck_gate_spec_key';

@Controller('v1/gate')
class GateController {
  calls = 0;

  @Get('read')
  @Endpoint('read')
  read(): { ok: true } {
    this.calls++;
    return { ok: true };
  }

  @Post('write')
  @HttpCode(200)
  @Endpoint('write', { json: true })
  write(@Body() body: object): { fields: string[] } {
    this.calls++;
    // Not the body itself: the client parsing an echo of the marker would count as a parse.
    return { fields: Object.keys(body) };
  }
}

/** The storage the gate counts in, recording each key it is asked to count. */
class RecordingStorage implements ThrottlerStorage {
  readonly keys: string[] = [];
  readonly #inner = new MemoryThrottlerStorage(() => 0);

  increment(...args: Parameters<ThrottlerStorage['increment']>): ReturnType<ThrottlerStorage['increment']> {
    this.keys.push(args[0]);
    return this.#inner.increment(...args);
  }
}

function keyedConfig(): ConfluenceConfig {
  const fixture = createConfigFixture();
  try {
    fixture.patch(
      'app.yaml',
      'default: { limit: 120, ttlSeconds: 60 }',
      'default: { limit: 3, ttlSeconds: 60 }',
    );
    return loadConfig({ env: { CONFIG_DIR: fixture.dir, API_KEY_HASHES: `bot:${hashApiKey(KEY)}` } });
  } finally {
    fixture.cleanup();
  }
}

async function start(
  config: ConfluenceConfig,
  storage: ThrottlerStorage,
  gate: boolean,
  logger = new RecordingLogger(),
): Promise<FastifyTestApp> {
  const moduleRef = await Test.createTestingModule({
    imports: [ThrottlerModule.forRoot(throttlerOptions(config.app, storage))],
    controllers: [GateController],
    providers: [
      { provide: AppConfig, useValue: config.app },
      { provide: ApiKeyRing, useValue: new ApiKeyRing(config.environment.apiKeyHashes) },
      { provide: AccessPolicy, useValue: AccessPolicy.of(config) },
    ],
  }).compile();
  const configure = (nest: NestFastifyApplication): void => {
    const fastify = nest.getHttpAdapter().getInstance();
    const metrics = new GatewayMetrics(
      {
        board: new MarketBoard([], 3, () => 0),
        sockets: () => ({ connections: 0, subscriptions: 0, rooms: 0 }),
        writes: () => ({ pending: 0, written: 0, dropped: 0, rejected: 0 }),
        now: () => 0,
      },
      { processMetrics: false },
    );
    new RequestContextHooks(nest.get(ApiKeyRing), nest.get(AccessPolicy), metrics).install(fastify);
    if (gate) EndpointGate.of(nest).install(fastify);
  };
  return startFastifyApp(moduleRef, new FastifyAdapter({ logger: false }), {
    configure,
    logger,
  });
}

/** A string only the bodies of this spec hold: JSON.parse calls on it are Fastify parsing them. */
const MARKER = 'endpoint-gate-spec';

describe('EndpointGate', () => {
  const storage = new RecordingStorage();
  const logger = new RecordingLogger();
  let gated: FastifyTestApp | undefined;
  const api = (): ReturnType<typeof request> => request(gated?.server ?? '');
  let parses = 0;

  beforeAll(async () => {
    gated = await start(keyedConfig(), storage, true, logger);
    const parse = JSON.parse.bind(JSON);
    jest
      .spyOn(JSON, 'parse')
      .mockImplementation((text: string, reviver?: Parameters<typeof JSON.parse>[1]) => {
        if (typeof text === 'string' && text.includes(MARKER)) parses++;
        return parse(text, reviver) as unknown;
      });
  });

  afterAll(async () => {
    jest.restoreAllMocks();
    await gated?.close();
  });

  it('counts per handler and client (key name, else IP) under plain-text keys, with the limit headers', async () => {
    const keyed = await api().get('/v1/gate/read').set('X-API-Key', KEY).expect(200);
    await api().get('/v1/gate/read').expect(200);

    expect(storage.keys).toEqual([
      'GateController.read:default:key:bot',
      'GateController.read:default:127.0.0.1',
    ]);
    expect(keyed.headers).toMatchObject({
      'x-ratelimit-limit': '3',
      'x-ratelimit-remaining': '2',
      'x-ratelimit-reset': '60',
    });
  });

  it('refuses before the body parser runs: no key (401), past the limit (429), not JSON (415)', async () => {
    const write = (headers: Record<string, string>): request.Test =>
      api()
        .post('/v1/gate/write')
        .set({ 'Content-Type': 'application/json', ...headers })
        .send(`{"a": "${MARKER}"}`);

    expect((await write({})).status).toBe(401);
    expect((await write({ 'X-API-Key': 'wrong' })).status).toBe(401);
    expect((await write({ 'X-API-Key': KEY, 'Content-Type': 'text/plain' })).status).toBe(415);
    expect(parses).toBe(0);

    expect((await write({ 'X-API-Key': KEY })).body).toEqual({ fields: ['a'] });
    expect((await write({ 'X-API-Key': KEY })).status).toBe(200);
    expect(parses).toBe(2);
    // The key's fourth call on the route (the 415 counted too; limit 3): refused, its body unparsed.
    const limited = await write({ 'X-API-Key': KEY });
    expect(limited.status).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBe(60);
    expect(parses).toBe(2);
  });

  it("answers its refusals itself, in the gateway's error shape (no exception filter here), and logs a 429 below warn", async () => {
    logger.clear();
    const read = (): request.Test => api().get('/v1/gate/read');
    const answers = [await read(), await read(), await read(), await read()];

    // This IP's reads 2 to 5 on the route (limit 3): the first test made its first.
    expect(answers.map((response) => response.status)).toEqual([200, 200, 429, 429]);
    const limited = answers[3];
    expect(limited?.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(limited?.body).toEqual({
      statusCode: 429,
      error: 'Too Many Requests',
      message: 'rate limit exceeded; retry after the Retry-After header',
      requestId: limited?.headers['x-request-id'],
    });
    const unauthorized = await api()
      .post('/v1/gate/write')
      .set({ 'Content-Type': 'application/json', 'X-API-Key': 'wrong' })
      .send('{}');
    expect(unauthorized.body).toEqual({
      statusCode: 401,
      error: 'Unauthorized',
      message: 'X-API-Key does not match any configured key',
      requestId: unauthorized.headers['x-request-id'],
    });
    // A flood is mostly 429s: each one a warn line would be a log line per attacker's request.
    expect(logger.warnings.map((line) => line.split(' ').slice(0, 3).join(' '))).toEqual([
      'POST /v1/gate/write 401',
    ]);
  });

  it('fails closed: without the gate an @Endpoint route answers 500 and its handler never runs', async () => {
    const ungated = await start(keyedConfig(), new RecordingStorage(), false);
    try {
      const response = await request(ungated.server).get('/v1/gate/read').set('X-API-Key', KEY);

      expect(response.status).toBe(500);
      expect(ungated.app.get(GateController).calls).toBe(0);
    } finally {
      await ungated.close();
    }
  });
});
