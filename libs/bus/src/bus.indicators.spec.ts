import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { loadConfig, type MonitoringConfig } from '@app/config';
import { MarketEventName } from '@app/contracts';
// By path: the @app/testing barrel also loads mongoose and the fake exchange.
import { type ConfigFixture, createConfigFixture } from '../../testing/src/config-fixture.js';
import { busEventFactory } from '../../testing/src/factories/index.js';
import { freePort } from '../../testing/src/spawned-process.js';
import { BusConnections } from './bus-connections.js';
import { BusHealthIndicator, RedisHealthIndicator } from './bus.indicators.js';
import { InProcessEventBus } from './in-process-bus.js';
import { RedisKeys } from './redis/redis-keys.js';

/**
 * The bus and Redis indicators on the real in-process bus and the real Redis (127.0.0.1:6379, as
 * the other bus specs), and on a Redis that is not there (a closed port), with the project's
 * monitoring thresholds and a 200 ms dependency timeout.
 */

const REDIS_URL = 'redis://127.0.0.1:6379';
const SILENT = { warn: () => undefined, error: () => undefined };

const candleEvent = busEventFactory.candleClosed();

let fixture: ConfigFixture;
let monitoring: MonitoringConfig;
let unreachableUrl: string;
const opened: BusConnections[] = [];

beforeAll(async () => {
  // The unreachable Redis is warned about, as it should be; not into the test output.
  Logger.overrideLogger(false);
  fixture = createConfigFixture();
  fixture.patch('monitoring.yaml', 'dependencyTimeoutMs: 2000', 'dependencyTimeoutMs: 200');
  monitoring = loadConfig({ env: { CONFIG_DIR: fixture.dir } }).monitoring;
  // Nothing listens there: every connection attempt is refused, and ioredis keeps retrying.
  unreachableUrl = `redis://127.0.0.1:${await freePort()}`;
});

afterEach(() => {
  // disconnect(), not quit(): a quit waits for a connection that never comes.
  for (const connections of opened.splice(0)) if (connections.enabled) connections.commands().disconnect();
});

afterAll(() => {
  fixture.cleanup();
});

function connectionsTo(url: string | null): BusConnections {
  const connections = new BusConnections(url, new RedisKeys('test-bus-indicators'), 100);
  opened.push(connections);
  return connections;
}

describe('BusHealthIndicator', () => {
  it('is up in process, counting the messages refused on receipt and the handlers that threw', async () => {
    const bus = new InProcessEventBus(SILENT);
    bus.subscribe(MarketEventName.CandleClosed, () => {
      throw new Error('handler bug');
    });
    await bus.publish(MarketEventName.CandleClosed, candleEvent);
    await bus.publish(MarketEventName.CandleClosed, {
      ...candleEvent,
      candle: { ...candleEvent.candle, high: Number.NaN },
    });
    const indicator = new BusHealthIndicator(
      new HealthIndicatorService(),
      bus,
      connectionsTo(null),
      monitoring,
    );

    expect(await indicator.isHealthy('bus')).toEqual({
      bus: { status: 'up', transport: 'in-process', rejected: 1, handlerErrors: 1 },
    });
  });

  it('is up on Redis when Redis answers', async () => {
    const bus = new InProcessEventBus(SILENT);
    const indicator = new BusHealthIndicator(
      new HealthIndicatorService(),
      bus,
      connectionsTo(REDIS_URL),
      monitoring,
    );

    expect(await indicator.isHealthy('bus')).toEqual({
      bus: { status: 'up', transport: 'redis', rejected: 0, handlerErrors: 0 },
    });
  });

  it('is degraded, not down, naming why, when its Redis does not answer', async () => {
    const indicator = new BusHealthIndicator(
      new HealthIndicatorService(),
      new InProcessEventBus(SILENT),
      connectionsTo(unreachableUrl),
      monitoring,
    );

    expect(await indicator.isHealthy('bus')).toEqual({
      bus: {
        status: 'degraded',
        message: 'Redis unreachable: no answer within 200 ms',
        transport: 'redis',
        rejected: 0,
        handlerErrors: 0,
      },
    });
  });
});

describe('RedisHealthIndicator', () => {
  it('is up when the Redis of the connections it is given answers, under the key it is given', async () => {
    const indicator = new RedisHealthIndicator(new HealthIndicatorService(), monitoring);

    expect(await indicator.isHealthy('redis', connectionsTo(REDIS_URL))).toEqual({ redis: { status: 'up' } });
  });

  it('is degraded, not down, when that Redis does not answer within dependencyTimeoutMs', async () => {
    const indicator = new RedisHealthIndicator(new HealthIndicatorService(), monitoring);

    expect(await indicator.isHealthy('redis', connectionsTo(unreachableUrl))).toEqual({
      redis: { status: 'degraded', message: 'Redis unreachable: no answer within 200 ms' },
    });
  });

  it('is degraded when the connections have no Redis configured at all', async () => {
    const indicator = new RedisHealthIndicator(new HealthIndicatorService(), monitoring);

    expect(await indicator.isHealthy('redis', connectionsTo(null))).toEqual({
      redis: { status: 'degraded', message: 'Redis unreachable: Redis is not configured (REDIS_URL)' },
    });
  });
});
