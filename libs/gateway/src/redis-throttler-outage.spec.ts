import { randomUUID } from 'node:crypto';
import { type AddressInfo, createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
// By path: the @app/testing barrel loads much more than this one helper.
import { eventually } from '../../testing/src/eventually.js';
import { freePort } from '../../testing/src/spawned-process.js';
import { MemoryThrottlerStorage } from './memory-throttler-storage.js';
import { RedisThrottlerStorage, type ThrottlerFallback } from './redis-throttler-storage.js';

/**
 * RedisThrottlerStorage while Redis is away: the gateway keeps serving, counting and blocking in
 * its own memory, and goes back to the shared count when Redis answers again.
 */

const MINUTE = 60_000;
const opened: Redis[] = [];
const servers: { server: Server; sockets: Socket[] }[] = [];

afterEach(async () => {
  for (const redis of opened.splice(0)) redis.disconnect();
  for (const { server, sockets } of servers.splice(0)) {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
  }
});

function client(port: number, extra: { enableReadyCheck?: boolean } = {}): Redis {
  const redis = new Redis({
    host: '127.0.0.1',
    port,
    maxRetriesPerRequest: 1,
    retryStrategy: () => 50,
    ...extra,
  });
  redis.on('error', () => undefined);
  opened.push(redis);
  return redis;
}

const HELLO_REPLY = [
  '%7',
  ...['+server', '+redis', '+version', '+7.0.0', '+proto', ':3', '+id', ':1'],
  ...['+mode', '+standalone', '+role', '+master', '+modules', '*0'],
  '',
].join('\r\n');

/**
 * A Redis that hangs: it answers the client's connection handshake (HELLO with a RESP3 map, CLIENT
 * SETINFO with OK) and never answers a script.
 */
async function hangingRedis(): Promise<number> {
  const sockets: Socket[] = [];
  const server = createServer((socket) => {
    sockets.push(socket);
    socket.on('data', (chunk) => {
      const lines = chunk.toString('latin1').split('\r\n');
      for (let i = 0; i < lines.length; i++) {
        if (!/^\*\d+$/.test(lines[i] ?? '')) continue;
        const command = (lines[i + 2] ?? '').toLowerCase();
        if (command === 'hello') socket.write(HELLO_REPLY);
        else if (command === 'client' || command === 'select') socket.write('+OK\r\n');
      }
    });
  });
  servers.push({ server, sockets });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

function fallback(): ThrottlerFallback & { warnings: string[]; notes: string[] } {
  const warnings: string[] = [];
  const notes: string[] = [];
  return {
    storage: new MemoryThrottlerStorage(() => performance.now()),
    logger: { warn: (m) => warnings.push(m), log: (m) => notes.push(m) },
    timeoutMs: 200,
    warnings,
    notes,
  };
}

describe('RedisThrottlerStorage while Redis is unreachable', () => {
  it('counts and blocks per replica, at once, when the connection is down, and says so once', async () => {
    const local = fallback();
    const store = new RedisThrottlerStorage(client(await freePort()), `t-${randomUUID()}`, local);

    const answers = [];
    for (let i = 0; i < 4; i++) answers.push(await store.increment('ip:1', MINUTE, 2, 30_000, 'default'));

    expect(answers.map((a) => [a.totalHits, a.isBlocked])).toEqual([
      [1, false],
      [2, false],
      [3, true],
      [3, true],
    ]);
    expect(answers[2]?.timeToBlockExpire).toBe(30);
    expect(store.degraded).toMatch(/^connection (connecting|reconnecting|connect)$/);
    expect(local.warnings).toHaveLength(1);
    expect(local.warnings[0]).toMatch(/rate limits counted per replica while Redis is unreachable/);
  });

  it('does not wait past timeoutMs for a Redis that accepts commands and never answers', async () => {
    const local = fallback();
    // Without the ready check the client is ready once its handshake is answered.
    const hanging = client(await hangingRedis(), { enableReadyCheck: false });
    await eventually(() => hanging.status === 'ready', 'the client to connect');
    const store = new RedisThrottlerStorage(hanging, `t-${randomUUID()}`, local);

    const answer = await store.increment('ip:1', MINUTE, 5, MINUTE, 'default');

    expect(answer).toMatchObject({ totalHits: 1, isBlocked: false });
    expect(store.degraded).toBe('no answer within 200 ms');
  });

  it('goes back to the count shared in Redis when Redis answers again', async () => {
    const local = fallback();
    const prefix = `t-${randomUUID()}`;
    const redis = client(6379);
    await eventually(() => redis.status === 'ready', 'Redis to be ready');
    const store = new RedisThrottlerStorage(redis, prefix, local);
    redis.disconnect();
    expect((await store.increment('ip:1', MINUTE, 5, MINUTE, 'default')).totalHits).toBe(1);
    expect(store.degraded).not.toBeNull();

    await redis.connect();
    const shared = await store.increment('ip:1', MINUTE, 5, MINUTE, 'default');

    // A fresh window in Redis: the local count is the outage's only.
    expect(shared.totalHits).toBe(1);
    expect(await redis.get(`${prefix}:throttle:default:ip:1:hits`)).toBe('1');
    expect(store.degraded).toBeNull();
    expect(local.notes).toEqual(['rate limits counted in Redis again']);
    await redis.del(`${prefix}:throttle:default:ip:1:hits`);
  });
});
