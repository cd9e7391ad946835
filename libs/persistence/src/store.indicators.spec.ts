import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { HealthIndicatorService } from '@nestjs/terminus';
import mongoose from 'mongoose';
import { loadConfig, type MonitoringConfig } from '@app/config';
// By path: the @app/testing barrel also loads the fake exchange and the factories.
import {
  type ConfigFixture,
  createConfigFixture,
  PROJECT_CONFIG_DIR,
} from '../../testing/src/config-fixture.js';
import { eventually } from '../../testing/src/eventually.js';
import type { ProbedConnection } from './store-health.js';
import { StoreHealthIndicator, StoreWritesHealthIndicator } from './store.indicators.js';
import { type StoreWrite, StoreWriter } from './write-path/store-writer.js';

/**
 * The store indicators through Terminus' real HealthIndicatorService and the project's monitoring
 * thresholds (tightened: slow past 20 ms, no answer within 200 ms). The probe itself is proven
 * against the embedded server in store-health.spec.ts; here a stand-in connection answers as told.
 */

let fixture: ConfigFixture;
let monitoring: MonitoringConfig;
/**
 * The shipped thresholds (slow past 500 ms, no answer within 2 s): whether a ping answered at once
 * is `up` must not depend on how busy the machine is (one took 22 ms with both cores loaded).
 */
let shipped: MonitoringConfig;

beforeAll(() => {
  fixture = createConfigFixture();
  fixture.patch('monitoring.yaml', 'storeSlowMs: 500', 'storeSlowMs: 20');
  fixture.patch('monitoring.yaml', 'dependencyTimeoutMs: 2000', 'dependencyTimeoutMs: 200');
  monitoring = loadConfig({ env: { CONFIG_DIR: fixture.dir } }).monitoring;
  shipped = loadConfig({ env: { CONFIG_DIR: PROJECT_CONFIG_DIR } }).monitoring;
});

afterAll(() => {
  fixture.cleanup();
});

/** A connected store whose ping answers after `delayMs`, or never. */
function connectedStore(delayMs: number | 'never'): ProbedConnection {
  return {
    readyState: mongoose.ConnectionStates.connected,
    db: {
      admin: () => ({
        ping: () =>
          delayMs === 'never'
            ? new Promise(() => undefined)
            : new Promise((resolve) => {
                setTimeout(() => {
                  resolve({ ok: 1 });
                }, delayMs);
              }),
      }),
    },
  };
}

function storeIndicator(connection: ProbedConnection, thresholds = monitoring): StoreHealthIndicator {
  return new StoreHealthIndicator(new HealthIndicatorService(), connection, thresholds);
}

describe('StoreHealthIndicator', () => {
  it('is up, with the ping time, when the store answers at once', async () => {
    expect(await storeIndicator(connectedStore(0), shipped).isHealthy('store')).toEqual({
      store: { status: 'up', responseTime: expect.any(Number) },
    });
  });

  it('is degraded, not down, when a connected store answers slower than storeSlowMs', async () => {
    const { store } = await storeIndicator(connectedStore(60)).isHealthy('store');

    expect(store).toEqual({
      status: 'degraded',
      responseTime: expect.any(Number),
      message: expect.stringMatching(/^answering slowly: a ping took \d+ ms \(over 20\)$/),
    });
  });

  it('is degraded (busy) when a connected store does not answer within dependencyTimeoutMs', async () => {
    expect(await storeIndicator(connectedStore('never')).isHealthy('store')).toEqual({
      store: { status: 'degraded', message: 'connected, but no answer to a ping within 200 ms: busy' },
    });
  });

  it('is down when the driver is not connected, under the key it is given', async () => {
    const never = mongoose.createConnection();
    try {
      expect(await storeIndicator(never).isHealthy('mongo')).toEqual({
        mongo: { status: 'down', message: 'not connected (disconnected)' },
      });
    } finally {
      await never.close();
    }
  });
});

class NetworkError extends Error {
  override name = 'MongoNetworkError';
}

/** A writer whose retries wait forever (a store that stays down) and that logs nowhere. */
function stalledWriter(capacity: number): StoreWriter {
  return new StoreWriter({
    capacity,
    retryBaseMs: 100,
    retryMaxMs: 1000,
    logger: { warn: () => undefined, error: () => undefined },
    sleep: () => new Promise<void>(() => undefined),
  });
}

function write(run: () => Promise<void>): StoreWrite {
  return { describe: 'result binance BTC/USDT 1m 2021-02-19T10:00:00Z', run };
}

describe('StoreWritesHealthIndicator', () => {
  it('is up with the pending, dropped and written counts while writes go through', async () => {
    const writer = stalledWriter(10);
    writer.enqueue(write(() => Promise.resolve()));
    writer.enqueue(write(() => Promise.resolve()));
    await writer.flush();

    expect(new StoreWritesHealthIndicator(new HealthIndicatorService(), writer).isHealthy('writes')).toEqual({
      writes: { status: 'up', pending: 0, dropped: 0, written: 2 },
    });
  });

  it('is degraded, naming the failure, while writes fail and wait in the buffer (and counts what it refused)', async () => {
    const writer = stalledWriter(1);
    writer.enqueue(write(() => Promise.reject(new NetworkError('connect ECONNREFUSED 127.0.0.1:27017'))));
    writer.enqueue(write(() => Promise.resolve()));
    await eventually(() => writer.status().state === 'down', 'the write path to go down');

    expect(new StoreWritesHealthIndicator(new HealthIndicatorService(), writer).isHealthy('writes')).toEqual({
      writes: {
        status: 'degraded',
        pending: 1,
        dropped: 1,
        written: 0,
        message: 'store writes failing, buffered: connect ECONNREFUSED 127.0.0.1:27017',
      },
    });
    writer.abandon();
  });
});
