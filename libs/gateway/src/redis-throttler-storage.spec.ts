import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
// By path: the @app/testing barrel loads much more than this one helper.
import { eventually } from '../../testing/src/eventually.js';
import { RedisThrottlerStorage } from './redis-throttler-storage.js';

const MINUTE = 60_000;

let redis: Redis;
let replica: Redis;
let prefix: string;
const prefixes: string[] = [];

function connect(): Redis {
  return new Redis({ host: '127.0.0.1', port: 6379, maxRetriesPerRequest: 1 });
}

function storage(on: Redis = redis, keyPrefix = prefix): RedisThrottlerStorage {
  return new RedisThrottlerStorage(on, keyPrefix);
}

async function keysUnder(keyPrefix: string): Promise<string[]> {
  const found: string[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${keyPrefix}:*`, 'COUNT', 100);
    found.push(...keys);
    cursor = next;
  } while (cursor !== '0');
  return found;
}

beforeAll(() => {
  redis = connect();
  replica = connect();
});

beforeEach(() => {
  prefix = `test-throttle-${randomUUID()}`;
  prefixes.push(prefix);
});

afterEach(async () => {
  for (const used of prefixes.splice(0)) {
    const keys = await keysUnder(used);
    if (keys.length > 0) await redis.del(...keys);
  }
});

afterAll(async () => {
  await Promise.all([redis.quit(), replica.quit()]);
});

describe('RedisThrottlerStorage', () => {
  it('counts hits within the window, answering times in seconds', async () => {
    const store = storage();
    const answers = [];
    for (let i = 0; i < 3; i += 1)
      answers.push(await store.increment('ip:10.0.0.1', MINUTE, 5, MINUTE, 'default'));
    expect(answers.map((a) => a.totalHits)).toEqual([1, 2, 3]);
    for (const answer of answers) {
      expect(answer.isBlocked).toBe(false);
      expect(answer.timeToBlockExpire).toBe(0);
      // A 60 s window, in seconds (not milliseconds), rounded up.
      expect(answer.timeToExpire).toBeGreaterThan(0);
      expect(answer.timeToExpire).toBeLessThanOrEqual(60);
      expect(Number.isInteger(answer.timeToExpire)).toBe(true);
    }
  });

  it('blocks the hit past the limit for blockDuration, and stops counting while blocked', async () => {
    const store = storage();
    const first = await store.increment('k', MINUTE, 2, 30_000, 'default');
    const second = await store.increment('k', MINUTE, 2, 30_000, 'default');
    expect([first.isBlocked, second.isBlocked]).toEqual([false, false]);
    const third = await store.increment('k', MINUTE, 2, 30_000, 'default');
    expect(third).toMatchObject({ totalHits: 3, isBlocked: true, timeToBlockExpire: 30 });
    const fourth = await store.increment('k', MINUTE, 2, 30_000, 'default');
    expect(fourth.isBlocked).toBe(true);
    expect(fourth.totalHits).toBe(3);
    expect(fourth.timeToBlockExpire).toBeGreaterThan(0);
    expect(fourth.timeToBlockExpire).toBeLessThanOrEqual(30);
    expect(fourth.timeToExpire).toBeGreaterThan(0);
  });

  it('blocks the first hit with a limit of 0', async () => {
    expect(await storage().increment('k', MINUTE, 0, MINUTE, 'default')).toMatchObject({
      totalHits: 1,
      isBlocked: true,
      timeToBlockExpire: 60,
    });
  });

  it('starts a new window once the old one and its block have expired', async () => {
    const store = storage();
    expect((await store.increment('k', 200, 1, 200, 'default')).isBlocked).toBe(false);
    expect((await store.increment('k', 200, 1, 200, 'default')).isBlocked).toBe(true);
    // Wait for Redis to expire both keys (polled without hitting, so nothing is counted).
    await eventually(async () => (await keysUnder(prefix)).length === 0, 'Redis to expire both keys');
    expect(await store.increment('k', 200, 1, 200, 'default')).toEqual({
      totalHits: 1,
      timeToExpire: 1,
      isBlocked: false,
      timeToBlockExpire: 0,
    });
  });

  it('shares counts between storages on separate connections (gateway replicas)', async () => {
    const a = storage(redis);
    const b = storage(replica);
    expect((await a.increment('key:dashboard', MINUTE, 2, MINUTE, 'default')).totalHits).toBe(1);
    expect((await b.increment('key:dashboard', MINUTE, 2, MINUTE, 'default')).totalHits).toBe(2);
    expect(await a.increment('key:dashboard', MINUTE, 2, MINUTE, 'default')).toMatchObject({
      totalHits: 3,
      isBlocked: true,
    });
    // The block set through one replica holds on the other.
    expect(await b.increment('key:dashboard', MINUTE, 2, MINUTE, 'default')).toMatchObject({
      totalHits: 3,
      isBlocked: true,
    });
  });

  it('counts concurrent hits from two replicas exactly once each (atomic script)', async () => {
    const a = storage(redis);
    const b = storage(replica);
    const answers = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        (i % 2 === 0 ? a : b).increment('k', MINUTE, 10, MINUTE, 'default'),
      ),
    );
    const admitted = answers.filter((answer) => !answer.isBlocked).map((answer) => answer.totalHits);
    expect(admitted.sort((x, y) => x - y)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    // The first hit past the limit (11) blocked; the rest were refused without being counted.
    expect(Math.max(...answers.map((answer) => answer.totalHits))).toBe(11);
  });

  it('keeps keys and throttler names apart', async () => {
    const store = storage();
    await store.increment('ip:10.0.0.1', MINUTE, 1, MINUTE, 'default');
    expect((await store.increment('ip:10.0.0.1', MINUTE, 1, MINUTE, 'default')).isBlocked).toBe(true);
    expect(await store.increment('ip:10.0.0.2', MINUTE, 1, MINUTE, 'default')).toMatchObject({
      totalHits: 1,
      isBlocked: false,
    });
    expect(await store.increment('ip:10.0.0.1', MINUTE, 1, MINUTE, 'burst')).toMatchObject({
      totalHits: 1,
      isBlocked: false,
    });
  });

  it('keeps deployments with different key prefixes apart', async () => {
    const other = `test-throttle-${randomUUID()}`;
    prefixes.push(other);
    await storage(redis, prefix).increment('k', MINUTE, 5, MINUTE, 'default');
    await storage(redis, prefix).increment('k', MINUTE, 5, MINUTE, 'default');
    expect((await storage(replica, other).increment('k', MINUTE, 5, MINUTE, 'default')).totalHits).toBe(1);
    // Every key it wrote is under its prefix.
    expect((await keysUnder(prefix)).length).toBeGreaterThan(0);
    expect((await keysUnder(other)).length).toBeGreaterThan(0);
  });

  it('gives a counter that lost its expiry a window again, instead of counting forever', async () => {
    const store = storage();
    await store.increment('k', MINUTE, 5, MINUTE, 'default');
    const [counter] = await keysUnder(prefix);
    if (counter === undefined) throw new Error('no counter written');
    await redis.persist(counter);
    expect(await redis.pttl(counter)).toBe(-1);
    const answer = await store.increment('k', MINUTE, 5, MINUTE, 'default');
    expect(answer.totalHits).toBe(2);
    expect(answer.timeToExpire).toBe(60);
    expect(await redis.pttl(counter)).toBeGreaterThan(0);
  });
});
