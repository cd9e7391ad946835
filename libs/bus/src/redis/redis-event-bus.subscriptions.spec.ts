/** RedisEventBus: subscribing and unsubscribing, down to the Redis channel. */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { AnalysisEventName } from '@app/contracts';
import type { Redis } from 'ioredis';
import { RedisKeys } from './redis-keys.js';
import { confluenceEvent, eventually, RedisFixture, signalEvent } from './testing/redis-fixtures.js';

const redis = new RedisFixture('test-redis-bus');
let admin: Redis;
let prefix: string;

beforeAll(() => {
  admin = redis.open();
});

beforeEach(() => {
  prefix = redis.newPrefix();
});

afterEach(() => redis.cleanup());

afterAll(() => redis.close());

describe('RedisEventBus', () => {
  it('stops delivering after unsubscribe and unsubscribes the channel when the last handler leaves', async () => {
    const keys = new RedisKeys(prefix);
    const publisher = redis.recordedBus(keys);
    const { bus } = redis.recordedBus(keys);
    const channel = keys.channel(AnalysisEventName.SignalChanged);
    const first: number[] = [];
    const second: number[] = [];
    const sentinel: number[] = [];
    const offFirst = bus.subscribe(AnalysisEventName.SignalChanged, (payload) => {
      first.push(payload.score);
    });
    const offSecond = bus.subscribe(AnalysisEventName.SignalChanged, (payload) => {
      second.push(payload.score);
    });
    bus.subscribe(AnalysisEventName.ConfluenceUpdated, (payload) => {
      sentinel.push(payload.emittedAt);
    });
    await bus.ready();
    expect(await admin.pubsub('NUMSUB', channel)).toEqual([channel, 1]);

    await publisher.bus.publish(AnalysisEventName.SignalChanged, signalEvent(1));
    await eventually(() => first.length === 1 && second.length === 1, 'signal 1 at both handlers');

    offFirst();
    await bus.ready();
    expect(await admin.pubsub('NUMSUB', channel)).toEqual([channel, 1]);
    await publisher.bus.publish(AnalysisEventName.SignalChanged, signalEvent(2));
    await eventually(() => second.length === 2, 'signal 2 at the second handler');
    expect(first).toEqual([31]);

    offSecond();
    await bus.ready();
    expect(await admin.pubsub('NUMSUB', channel)).toEqual([channel, 0]);
    await publisher.bus.publish(AnalysisEventName.SignalChanged, signalEvent(3));
    // A later message on a channel still subscribed: once it arrives, the earlier one would have too.
    await publisher.bus.publish(AnalysisEventName.ConfluenceUpdated, confluenceEvent(9));
    await eventually(() => sentinel.length === 1, 'the sentinel update');
    await bus.idle();

    expect(first).toEqual([31]);
    expect(second).toEqual([31, 32]);
    expect(bus.stats().delivered).toEqual({
      [AnalysisEventName.SignalChanged]: 3,
      [AnalysisEventName.ConfluenceUpdated]: 1,
    });
  });

  it('subscribes the channel again when a handler comes back after the last one left', async () => {
    const keys = new RedisKeys(prefix);
    const publisher = redis.recordedBus(keys);
    const { bus } = redis.recordedBus(keys);
    const channel = keys.channel(AnalysisEventName.SignalChanged);
    const seen: number[] = [];
    // Unsubscribed before the SUBSCRIBE was even acknowledged, then subscribed again.
    const off = bus.subscribe(AnalysisEventName.SignalChanged, () => {
      seen.push(-1);
    });
    off();
    bus.subscribe(AnalysisEventName.SignalChanged, (payload) => {
      seen.push(payload.score);
    });
    await bus.ready();
    expect(await admin.pubsub('NUMSUB', channel)).toEqual([channel, 1]);

    await publisher.bus.publish(AnalysisEventName.SignalChanged, signalEvent(4));
    await eventually(() => seen.length === 1, 'signal 4');
    expect(seen).toEqual([34]);
  });
});
