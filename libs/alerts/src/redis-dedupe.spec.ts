import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import { AlertNotifier } from './alert-notifier.js';
import { RedisDedupe } from './redis-dedupe.js';
import { LoopbackReceiver } from './testing/loopback-receiver.js';
import { loadNotifications } from './testing/notifications-kit.js';
import { VirtualClock } from './testing/virtual-clock.js';
// By path: the @app/testing barrel loads mongoose and the fakes, which these specs do not need.
import { eventually } from '../../testing/src/eventually.js';

/**
 * Two gateway replicas hear the same label change and run the same rules; with the dedupe window
 * claimed in the real Redis (127.0.0.1:6379) the receiver gets the alert once, and the other
 * replica records it as deduped.
 */

const T0 = Date.UTC(2024, 0, 1, 12);
const prefix = `test-alerts-${randomUUID()}`;
let redis: Redis;
let receiver: LoopbackReceiver;

beforeAll(async () => {
  redis = new Redis({ host: '127.0.0.1', port: 6379, maxRetriesPerRequest: 1 });
  receiver = await LoopbackReceiver.start();
});

afterAll(async () => {
  const keys = await redis.keys(`${prefix}:*`);
  if (keys.length > 0) await redis.del(...keys);
  await redis.quit();
  await receiver.close();
});

function replica(): AlertNotifier {
  const { notifications, secretOf } = loadNotifications(
    `  channels:\n    - { name: hook, type: webhook, url: '${receiver.url}/hook', secretEnv: HOOK_SECRET, delivery: { dedupeSeconds: 300 } }\n` +
      '  rules:\n    - { name: flips, type: label-change, channels: [hook] }\n',
    { HOOK_SECRET: 'whsec-0123456789abcdef0123456789' },
  );
  return new AlertNotifier(notifications, {
    clock: new VirtualClock(T0),
    logger: { log: () => undefined, warn: () => undefined, error: () => undefined },
    secretOf,
    shared: new RedisDedupe(redis, prefix),
  });
}

describe('RedisDedupe', () => {
  it('lets one replica of two send an alert both fired, and the other record it deduped', async () => {
    const replicas = [replica(), replica()];
    const change = {
      exchange: 'binance',
      symbol: 'BTC/USDT',
      timeframe: '1m',
      time: T0,
      from: 'NEUTRAL',
      to: 'LONG',
      score: 64,
      confidence: 40,
    } as const;
    for (const notifier of replicas) notifier.labelChanged(change);
    const statuses = () =>
      replicas.flatMap((notifier) => notifier.deliveries({ limit: 10 }).map((d) => d.status));
    await eventually(() => !statuses().includes('queued'), 'both replicas settled');

    expect(statuses().sort()).toEqual(['deduped', 'delivered']);
    expect(receiver.requests).toHaveLength(1);
    expect(
      await redis.pttl(`${prefix}:alerts:dedupe:hook|flips|binance:BTC/USDT:1m|NEUTRAL→LONG`),
    ).toBeGreaterThan(290_000);
    await Promise.all(replicas.map((notifier) => notifier.stop()));
  });
});
