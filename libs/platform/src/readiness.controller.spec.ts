import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { HealthIndicatorService, type HealthIndicatorStatus, TerminusModule } from '@nestjs/terminus';
import { Test } from '@nestjs/testing';
import request from 'supertest';
// By path: the @app/testing barrel also loads mongoose and the fake exchange.
import { httpServerOf } from '../../testing/src/http.js';
import { HttpDrain } from './http-drain.js';
import { ReadinessChecks, readinessController } from './readiness.controller.js';

/**
 * The shared readiness controller on Nest, Fastify and Terminus as the apps run them, over two
 * stand-in dependencies whose status each test sets (the real indicators have their own specs).
 */

/** What the stand-in dependencies report; each test sets it before asking. */
class Dependencies {
  store: HealthIndicatorStatus = 'up';
  feed: HealthIndicatorStatus = 'up';
  /** Counts the store check's runs. */
  storeChecks = 0;
}

/** The process's drain as readiness sees it: draining or not (the test sets it). */
const drain: { draining: boolean } = { draining: false };

const dependencies = new Dependencies();
let app: INestApplication;

beforeAll(async () => {
  const indicators = new HealthIndicatorService();
  const report = (key: string, status: HealthIndicatorStatus) => {
    const indicator = indicators.check(key);
    if (status === 'up') return indicator.up({ pending: 0 });
    return status === 'degraded'
      ? indicator.degraded({ message: `${key} is slow` })
      : indicator.down({ message: `${key} is gone` });
  };
  const moduleRef = await Test.createTestingModule({
    imports: [TerminusModule],
    controllers: [readinessController({ downWhen: 'the store is gone' })],
    providers: [
      {
        provide: ReadinessChecks,
        useValue: new ReadinessChecks([
          () => {
            dependencies.storeChecks += 1;
            return report('store', dependencies.store);
          },
          // Asynchronous like a ping: both kinds of check are awaited alike.
          () => Promise.resolve(report('feed', dependencies.feed)),
        ]),
      },
      { provide: HttpDrain, useValue: drain },
    ],
  }).compile();
  app = moduleRef.createNestApplication(new FastifyAdapter());
  app.useLogger(false);
  await app.init();
  await (app as NestFastifyApplication).getHttpAdapter().getInstance().ready();
});

afterAll(async () => {
  await app.close();
});

async function ready(store: HealthIndicatorStatus, feed: HealthIndicatorStatus): Promise<request.Response> {
  dependencies.store = store;
  dependencies.feed = feed;
  return request(httpServerOf(app)).get('/health/ready');
}

describe('readinessController', () => {
  it('answers 200 ok, never cached, with every check by its key', async () => {
    const response = await ready('up', 'up');

    expect(response.status).toBe(200);
    expect(response.headers['cache-control']).toBe('no-store');
    expect(response.body).toEqual({
      status: 'ok',
      checks: { store: { status: 'up', pending: 0 }, feed: { status: 'up', pending: 0 } },
    });
  });

  it('answers 200 degraded when a check is degraded: still serving, stays in rotation', async () => {
    const response = await ready('up', 'degraded');

    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      status: 'degraded',
      checks: { store: { status: 'up', pending: 0 }, feed: { status: 'degraded', message: 'feed is slow' } },
    });
  });

  it('answers 503 down with every check (not only the failed one) when a check is down', async () => {
    const response = await ready('down', 'degraded');

    expect(response.status).toBe(503);
    expect(response.headers['cache-control']).toBe('no-store');
    expect(response.body).toEqual({
      status: 'down',
      checks: {
        store: { status: 'down', message: 'store is gone' },
        feed: { status: 'degraded', message: 'feed is slow' },
      },
    });
  });

  it('answers 503 draining from the stop signal on, without running the checks', async () => {
    const checks = dependencies.storeChecks;
    drain.draining = true;
    try {
      const response = await ready('up', 'up');

      expect(response.status).toBe(503);
      expect(response.headers['cache-control']).toBe('no-store');
      expect(response.body).toEqual({
        status: 'down',
        checks: { process: { status: 'down', reason: 'draining: the process is stopping' } },
      });
      expect(dependencies.storeChecks).toBe(checks);
    } finally {
      drain.draining = false;
    }
  });

  it('documents both answers with the one response schema, and the app’s own down rule', () => {
    const document = SwaggerModule.createDocument(app, new DocumentBuilder().build());
    const responses = document.paths['/health/ready']?.get?.responses ?? {};
    const schemaOf = (status: string): unknown =>
      (responses[status] as { content?: Record<string, { schema?: unknown }> } | undefined)?.content?.[
        'application/json'
      ]?.schema;

    expect(document.paths['/health/ready']?.get?.tags).toEqual(['ops']);
    expect(responses['503']).toMatchObject({ description: 'down: the store is gone' });
    expect(schemaOf('200')).toEqual({ $ref: '#/components/schemas/ReadinessResponseDto' });
    expect(schemaOf('503')).toEqual({ $ref: '#/components/schemas/ReadinessResponseDto' });
    expect(document.components?.schemas?.ReadinessResponseDto).toMatchObject({
      required: ['status', 'checks'],
      properties: { status: { enum: ['ok', 'degraded', 'down'] } },
    });
  });
});
