import type { Redis } from 'ioredis';

/**
 * Makes every `publish` on this connection observed: @socket.io/redis-adapter (8.x) publishes
 * without awaiting or catching, so while Redis is away each failed publish was an unhandled
 * rejection, which ends the process (the crash handlers). The failure goes to `onFailure`
 * instead; the promise the caller gets still rejects as before.
 */
export function observePublishes(redis: Redis, onFailure: (error: unknown) => void): Redis {
  const publish = redis.publish.bind(redis) as (...args: unknown[]) => Promise<number>;
  Object.defineProperty(redis, 'publish', {
    configurable: true,
    value: (...args: unknown[]): Promise<number> => {
      const sent = publish(...args);
      sent.catch(onFailure);
      return sent;
    },
  });
  return redis;
}
