// @ts-check
/**
 * One worker process of test/llm-limiter-processes.e2e-spec.ts, on the built limiter (dist/):
 * says `ready`, waits for the test's go (a BLPOP, so both processes start together), takes
 * `count` permits at once from the shared Redis limiter and prints each permit's slot (Redis time)
 * as a JSON line. Args: <keyPrefix> <count> <minSpacingMs> <maxConcurrent>; env REDIS_URL.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { RedisRateLimiter } from '../dist/libs/llm/src/limits/redis-rate-limiter.js';

const [prefix = '', count = '0', spacing = '0', maxConcurrent = '1'] = process.argv.slice(2);
const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { maxRetriesPerRequest: 1 });
const limiter = new RedisRateLimiter(redis, prefix, {
  minSpacingMs: Number(spacing),
  maxConcurrent: Number(maxConcurrent),
  maxWaitMs: 60_000,
});

try {
  process.stdout.write('ready\n');
  if ((await redis.blpop(`${prefix}:go`, 60)) === null) throw new Error('no go within 60 s');
  await Promise.all(
    Array.from({ length: Number(count) }, async () => {
      const permit = await limiter.acquire();
      process.stdout.write(`${JSON.stringify({ pid: process.pid, slotAt: permit.slotAt })}\n`);
      // Held a moment, as a request would be, so places are contended across the processes.
      await delay(5);
      permit.release();
    }),
  );
} finally {
  await redis.quit();
}
