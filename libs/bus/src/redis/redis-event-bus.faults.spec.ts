/** RedisEventBus: malformed messages and failing handlers never stop delivery, nor reorder it. */
import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { MarketEventName } from '@app/contracts';
import { type CandleClosedEvent } from '@app/contracts/dto';
import type { Redis } from 'ioredis';
import { RedisKeys } from './redis-keys.js';
import { BTC, candleEvent, eventually, RedisFixture, T0 } from './testing/redis-fixtures.js';

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
  it('rejects malformed messages with their reasons, never handing them over, and keeps delivering', async () => {
    const keys = new RedisKeys(prefix);
    const { bus, logger } = redis.recordedBus(keys);
    const received: CandleClosedEvent[] = [];
    bus.subscribe(MarketEventName.CandleClosed, (payload) => {
      received.push(payload);
    });
    await bus.ready();

    const channel = keys.channel(MarketEventName.CandleClosed);
    const valid = candleEvent(BTC, 1);
    await admin.publish(channel, 'not json');
    await admin.publish(channel, JSON.stringify({ ...valid, candle: { ...valid.candle, high: -1 } }));
    await admin.publish(channel, JSON.stringify({ ...valid, extra: 'field' }));
    await admin.publish(channel, JSON.stringify(valid));
    await eventually(() => received.length === 1, 'the valid candle');
    await bus.idle();

    expect(received).toEqual([valid]);
    expect(bus.stats().rejected).toEqual({ [MarketEventName.CandleClosed]: 3 });
    expect(bus.stats().delivered).toEqual({ [MarketEventName.CandleClosed]: 1 });
    expect(logger.warnings).toEqual([
      expect.stringMatching(/^bus: rejected market\.candle\.closed: payload: not JSON/),
      expect.stringMatching(/^bus: rejected market\.candle\.closed: candle\.high: /),
      expect.stringMatching(/^bus: rejected market\.candle\.closed: extra: property extra should not exist/),
    ]);
  });

  it('rejects a deeply nested message and keeps delivering the ones after it', async () => {
    const keys = new RedisKeys(prefix);
    const { bus } = redis.recordedBus(keys);
    const received: CandleClosedEvent[] = [];
    bus.subscribe(MarketEventName.CandleClosed, (payload) => {
      received.push(payload);
    });
    await bus.ready();

    // Valid JSON that JSON.parse accepts, but deep enough to overflow a recursive transformer.
    const depth = 20_000;
    const nested = `{"extra":${'{"x":'.repeat(depth)}1${'}'.repeat(depth)}}`;
    const channel = keys.channel(MarketEventName.CandleClosed);
    await admin.publish(channel, nested);
    const valid = candleEvent(BTC, 2);
    await admin.publish(channel, JSON.stringify(valid));

    // A malformed message is to be logged, counted and dropped: the subscriber keeps working.
    await eventually(() => received.length === 1, 'the valid candle after the nested one');
    expect(received).toEqual([valid]);
    expect(bus.stats().rejected).toEqual({ [MarketEventName.CandleClosed]: 1 });
  });

  it('counts a failing handler, still serves the other handlers, and keeps the order of 200 messages', async () => {
    const keys = new RedisKeys(prefix);
    const publisher = redis.recordedBus(keys);
    const { bus, logger } = redis.recordedBus(keys);
    bus.subscribe(MarketEventName.CandleClosed, (payload) => {
      if (payload.candle.timestamp === candleEvent(BTC, 0).candle.timestamp)
        throw new Error('sync handler bug');
    });
    bus.subscribe(MarketEventName.CandleClosed, async (payload) => {
      if (payload.candle.timestamp === candleEvent(BTC, 1).candle.timestamp)
        throw new Error('async handler bug');
      await Promise.resolve();
    });
    const order: number[] = [];
    let active = 0;
    let overlapped = false;
    bus.subscribe(MarketEventName.CandleClosed, async (payload) => {
      active++;
      if (active > 1) overlapped = true;
      // An uneven pause: a bus that handled messages concurrently would reorder them.
      if (order.length % 7 === 0) await delay(2);
      order.push((payload.candle.timestamp - T0) / 60_000);
      active--;
    });
    await bus.ready();

    const total = 200;
    for (let i = 0; i < total; i++)
      await publisher.bus.publish(MarketEventName.CandleClosed, candleEvent(BTC, i));
    await eventually(() => order.length === total, `all ${total} candles`);
    await bus.idle();

    expect(order).toEqual(Array.from({ length: total }, (_, i) => i));
    expect(overlapped).toBe(false);
    expect(bus.stats().handlerErrors).toEqual({ [MarketEventName.CandleClosed]: 2 });
    expect(bus.stats().delivered).toEqual({ [MarketEventName.CandleClosed]: 3 * total - 2 });
    expect(logger.errors).toEqual([
      expect.stringMatching(/^bus: a market\.candle\.closed handler failed: sync handler bug/),
      expect.stringMatching(/^bus: a market\.candle\.closed handler failed: async handler bug/),
    ]);
    expect(publisher.bus.stats().published).toEqual({ [MarketEventName.CandleClosed]: total });
    expect(await admin.xlen(keys.stream(BTC))).toBe(total);
  });
});
