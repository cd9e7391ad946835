/** RedisEventBus: who receives what, and which events reach the market logs. */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { AnalysisEventName, type MarketRef, MarketEventName } from '@app/contracts';
import { CandleClosedEvent, ConfluenceUpdatedEvent, SignalChangedEvent } from '@app/contracts/dto';
import type { Redis } from 'ioredis';
import { RedisKeys } from './redis-keys.js';
import {
  BTC,
  candleEvent,
  confluenceEvent,
  eventually,
  RedisFixture,
  signalEvent,
} from './testing/redis-fixtures.js';

const ETH: MarketRef = { exchange: 'binance', symbol: 'ETH/USDT' };

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
  it('delivers a market event to a subscriber of another instance and appends it to its market log', async () => {
    const keys = new RedisKeys(prefix);
    const publisher = redis.recordedBus(keys);
    const subscriber = redis.recordedBus(keys);
    const received: CandleClosedEvent[] = [];
    subscriber.bus.subscribe(MarketEventName.CandleClosed, (payload) => {
      received.push(payload);
    });
    await subscriber.bus.ready();

    const event = candleEvent(BTC, 0);
    await publisher.bus.publish(MarketEventName.CandleClosed, event);
    await eventually(() => received.length === 1, 'the candle at the other instance');

    expect(received[0]).toEqual(event);
    expect(received[0]).toBeInstanceOf(CandleClosedEvent);
    const entries = await admin.xrange(keys.stream(BTC), '-', '+');
    expect(entries).toHaveLength(1);
    const [, fields] = entries[0] ?? ['', []];
    expect(fields).toEqual(['name', MarketEventName.CandleClosed, 'payload', JSON.stringify(event)]);
    expect(await admin.xlen(keys.stream(ETH))).toBe(0);

    expect(publisher.bus.stats().published).toEqual({ [MarketEventName.CandleClosed]: 1 });
    expect(subscriber.bus.stats()).toEqual({
      published: {},
      delivered: { [MarketEventName.CandleClosed]: 1 },
      rejected: {},
      handlerErrors: {},
    });
    expect(subscriber.logger.warnings).toEqual([]);
    expect(subscriber.logger.errors).toEqual([]);
  });

  it('broadcasts analysis events to every subscriber without appending them to any log', async () => {
    const keys = new RedisKeys(prefix);
    const publisher = redis.recordedBus(keys);
    const first = redis.recordedBus(keys);
    const second = redis.recordedBus(keys);
    const seen = { first: [] as unknown[], second: [] as unknown[] };
    for (const [label, { bus }] of [
      ['first', first],
      ['second', second],
    ] as const) {
      bus.subscribe(AnalysisEventName.ConfluenceUpdated, (payload) => {
        expect(payload).toBeInstanceOf(ConfluenceUpdatedEvent);
        seen[label].push(payload);
      });
      bus.subscribe(AnalysisEventName.SignalChanged, (payload) => {
        expect(payload).toBeInstanceOf(SignalChangedEvent);
        seen[label].push(payload);
      });
      await bus.ready();
    }

    await publisher.bus.publish(AnalysisEventName.ConfluenceUpdated, confluenceEvent(1));
    await publisher.bus.publish(AnalysisEventName.SignalChanged, signalEvent(1));
    await eventually(
      () => seen.first.length === 2 && seen.second.length === 2,
      'both events at both subscribers',
    );

    expect(seen.first).toEqual([confluenceEvent(1), signalEvent(1)]);
    expect(seen.second).toEqual([confluenceEvent(1), signalEvent(1)]);
    expect(await redis.keysUnder(`${prefix}:*`)).toEqual([]);
    expect(publisher.bus.stats().published).toEqual({
      [AnalysisEventName.ConfluenceUpdated]: 1,
      [AnalysisEventName.SignalChanged]: 1,
    });
    for (const { bus } of [first, second])
      expect(bus.stats().delivered).toEqual({
        [AnalysisEventName.ConfluenceUpdated]: 1,
        [AnalysisEventName.SignalChanged]: 1,
      });
  });

  it('keeps deployments on separate prefixes apart', async () => {
    const keysA = new RedisKeys(prefix);
    const keysB = new RedisKeys(redis.newPrefix());
    const a = redis.recordedBus(keysA);
    const b = redis.recordedBus(keysB);
    const seenByA: string[] = [];
    const seenByB: string[] = [];
    a.bus.subscribe(MarketEventName.CandleClosed, (payload) => {
      seenByA.push(payload.symbol);
    });
    b.bus.subscribe(MarketEventName.CandleClosed, (payload) => {
      seenByB.push(payload.symbol);
    });
    await a.bus.ready();
    await b.bus.ready();

    // Two rounds: a message crossing over in the first would arrive before the second round's.
    for (const i of [0, 1]) {
      await a.bus.publish(MarketEventName.CandleClosed, candleEvent(BTC, i));
      await b.bus.publish(MarketEventName.CandleClosed, candleEvent(ETH, i));
    }
    await eventually(() => seenByA.length === 2 && seenByB.length === 2, 'both rounds at A and B');
    await a.bus.idle();
    await b.bus.idle();

    expect(seenByA).toEqual(['BTC/USDT', 'BTC/USDT']);
    expect(seenByB).toEqual(['ETH/USDT', 'ETH/USDT']);
    expect(await admin.xlen(keysA.stream(BTC))).toBe(2);
    expect(await admin.xlen(keysA.stream(ETH))).toBe(0);
    expect(await admin.xlen(keysB.stream(ETH))).toBe(2);
    expect(await admin.xlen(keysB.stream(BTC))).toBe(0);
  });
});
