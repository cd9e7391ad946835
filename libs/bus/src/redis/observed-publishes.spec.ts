import { afterEach, describe, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
// By path: the @app/testing barrel loads much more than this one helper.
import { eventually } from '../../../testing/src/eventually.js';
import { freePort } from '../../../testing/src/spawned-process.js';
import { observePublishes } from './observed-publishes.js';

const opened: Redis[] = [];
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown): void => {
  unhandled.push(reason);
};

afterEach(() => {
  for (const redis of opened.splice(0)) redis.disconnect();
  process.off('unhandledRejection', onUnhandled);
});

function client(port: number): Redis {
  const redis = new Redis({ host: '127.0.0.1', port, maxRetriesPerRequest: 1, retryStrategy: () => 10 });
  redis.on('error', () => undefined);
  opened.push(redis);
  return redis;
}

describe('observePublishes', () => {
  it('hands a publish nobody awaits that fails (Redis away) to onFailure, never to unhandledRejection', async () => {
    process.on('unhandledRejection', onUnhandled);
    const failures: unknown[] = [];
    const redis = observePublishes(client(await freePort()), (error) => failures.push(error));

    // As the Socket.IO adapter does: fire and forget.
    void redis.publish('channel', 'message');
    await eventually(() => failures.length === 1, 'the publish to fail');
    await new Promise((resolve) => setImmediate(resolve));

    expect(failures[0]).toMatchObject({ name: 'MaxRetriesPerRequestError' });
    expect(unhandled).toEqual([]);
  });

  it('still publishes, and still rejects for a caller that awaits', async () => {
    const healthy = observePublishes(client(6379), () => undefined);
    expect(await healthy.publish(`test-observed-${process.pid}`, 'x')).toBe(0);

    const away = observePublishes(client(await freePort()), () => undefined);
    await expect(away.publish('channel', 'message')).rejects.toMatchObject({
      name: 'MaxRetriesPerRequestError',
    });
  });
});
