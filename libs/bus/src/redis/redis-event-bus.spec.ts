import { randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import {
  AnalysisEventName,
  type BusEventData,
  CandleClosedEvent,
  ConfluenceUpdatedEvent,
  DataSource,
  type MarketRef,
  MarketEventName,
  Signal,
  SignalChangedEvent,
  UpdateTrigger,
} from '@app/contracts';
import { Redis } from 'ioredis';
import { RedisEventBus } from './redis-event-bus.js';
import { RedisKeys } from './redis-keys.js';

const BTC: MarketRef = { exchange: 'binance', symbol: 'BTC/USDT' };
const ETH: MarketRef = { exchange: 'binance', symbol: 'ETH/USDT' };
const T0 = 1_700_000_040_000;

type CandleData = BusEventData<typeof MarketEventName.CandleClosed>;
type ConfluenceData = BusEventData<typeof AnalysisEventName.ConfluenceUpdated>;
type SignalData = BusEventData<typeof AnalysisEventName.SignalChanged>;

function candle(market: MarketRef, i: number): CandleData {
  return {
    ...market,
    timeframe: '1m',
    source: DataSource.Live,
    emittedAt: T0 + i * 60_000 + 60_000,
    candle: {
      timestamp: T0 + i * 60_000,
      open: 100 + i,
      high: 110 + i,
      low: 90 + i,
      close: 105 + i,
      volume: 3,
    },
  };
}

function confluence(i: number): ConfluenceData {
  return {
    ...BTC,
    source: DataSource.Live,
    emittedAt: T0 + 61_000 + i,
    timeframe: '1m',
    candleTime: T0,
    trigger: UpdateTrigger.Candle,
    inputEmittedAt: T0 + 60_000,
    computedAt: T0 + 60_500,
    score: 64.5,
    label: Signal.Long,
    confidence: 71,
    coverage: 0.8,
    components: {
      orderFlow: 60,
      orderBook: null,
      volume: 55,
      priceStructure: 70,
      technical: 66,
      sentiment: null,
    },
    engineVersion: '1.0.0',
    configHash: 'a'.repeat(64),
    inputHash: '0123456789abcdef'.repeat(4),
    reasoning: `update ${i}`,
  };
}

function signalChanged(i: number): SignalData {
  return {
    ...BTC,
    source: DataSource.Live,
    emittedAt: T0 + 61_000 + i,
    timeframe: '1m',
    time: T0,
    from: null,
    to: Signal.Short,
    score: 30 + i,
    confidence: 55,
  };
}

interface RecordingLogger {
  readonly warnings: string[];
  readonly errors: string[];
  warn(message: string): void;
  error(message: string): void;
}

function recordingLogger(): RecordingLogger {
  const warnings: string[] = [];
  const errors: string[] = [];
  return {
    warnings,
    errors,
    warn: (message) => warnings.push(message),
    error: (message) => errors.push(message),
  };
}

let admin: Redis;
let prefix: string;
const prefixes: string[] = [];
const connections: Redis[] = [];

function connect(): Redis {
  const connection = new Redis({ host: '127.0.0.1', port: 6379, maxRetriesPerRequest: 1 });
  connections.push(connection);
  return connection;
}

function newPrefix(): string {
  const value = `test-redis-bus-${randomUUID()}`;
  prefixes.push(value);
  return value;
}

/** A bus with its own publisher and subscriber connections. */
function makeBus(keys: RedisKeys = new RedisKeys(prefix)): { bus: RedisEventBus; logger: RecordingLogger } {
  const logger = recordingLogger();
  const bus = new RedisEventBus({
    publisher: connect(),
    subscriber: connect(),
    keys,
    streamMaxLength: 1_000,
    logger,
  });
  return { bus, logger };
}

async function eventually(check: () => boolean, deadlineMs = 3_000): Promise<void> {
  const until = Date.now() + deadlineMs;
  while (!check()) {
    if (Date.now() > until) throw new Error(`condition not met within ${deadlineMs}ms`);
    await delay(10);
  }
}

async function keysUnder(pattern: string): Promise<string[]> {
  const found: string[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await admin.scan(cursor, 'MATCH', pattern, 'COUNT', 100);
    found.push(...keys);
    cursor = next;
  } while (cursor !== '0');
  return found;
}

beforeAll(() => {
  admin = new Redis({ host: '127.0.0.1', port: 6379, maxRetriesPerRequest: 1 });
});

beforeEach(() => {
  prefix = newPrefix();
});

afterEach(async () => {
  await Promise.all(connections.splice(0).map((connection) => connection.quit()));
  for (const used of prefixes.splice(0)) {
    const keys = await keysUnder(`${used}:*`);
    if (keys.length > 0) await admin.del(...keys);
  }
});

afterAll(async () => {
  await admin.quit();
});

describe('RedisEventBus', () => {
  it('delivers a market event to a subscriber of another instance and appends it to its market log', async () => {
    const keys = new RedisKeys(prefix);
    const publisher = makeBus(keys);
    const subscriber = makeBus(keys);
    const received: CandleClosedEvent[] = [];
    subscriber.bus.subscribe(MarketEventName.CandleClosed, (payload) => {
      received.push(payload);
    });
    await subscriber.bus.ready();

    const event = candle(BTC, 0);
    await publisher.bus.publish(MarketEventName.CandleClosed, event);
    await eventually(() => received.length === 1);

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
    const publisher = makeBus(keys);
    const first = makeBus(keys);
    const second = makeBus(keys);
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

    await publisher.bus.publish(AnalysisEventName.ConfluenceUpdated, confluence(1));
    await publisher.bus.publish(AnalysisEventName.SignalChanged, signalChanged(1));
    await eventually(() => seen.first.length === 2 && seen.second.length === 2);

    expect(seen.first).toEqual([confluence(1), signalChanged(1)]);
    expect(seen.second).toEqual([confluence(1), signalChanged(1)]);
    expect(await keysUnder(`${prefix}:*`)).toEqual([]);
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

  it('rejects malformed messages with their reasons, never handing them over, and keeps delivering', async () => {
    const keys = new RedisKeys(prefix);
    const { bus, logger } = makeBus(keys);
    const received: CandleClosedEvent[] = [];
    bus.subscribe(MarketEventName.CandleClosed, (payload) => {
      received.push(payload);
    });
    await bus.ready();

    const channel = keys.channel(MarketEventName.CandleClosed);
    const valid = candle(BTC, 1);
    await admin.publish(channel, 'not json');
    await admin.publish(channel, JSON.stringify({ ...valid, candle: { ...valid.candle, high: -1 } }));
    await admin.publish(channel, JSON.stringify({ ...valid, extra: 'field' }));
    await admin.publish(channel, JSON.stringify(valid));
    await eventually(() => received.length === 1);
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
    const { bus } = makeBus(keys);
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
    const valid = candle(BTC, 2);
    await admin.publish(channel, JSON.stringify(valid));

    // A malformed message is to be logged, counted and dropped: the subscriber keeps working.
    await eventually(() => received.length === 1, 2_000).catch(() => undefined);
    expect(received).toEqual([valid]);
    expect(bus.stats().rejected).toEqual({ [MarketEventName.CandleClosed]: 1 });
  });

  it('counts a failing handler, still serves the other handlers, and keeps the order of 200 messages', async () => {
    const keys = new RedisKeys(prefix);
    const publisher = makeBus(keys);
    const { bus, logger } = makeBus(keys);
    bus.subscribe(MarketEventName.CandleClosed, (payload) => {
      if (payload.candle.timestamp === candle(BTC, 0).candle.timestamp) throw new Error('sync handler bug');
    });
    bus.subscribe(MarketEventName.CandleClosed, async (payload) => {
      if (payload.candle.timestamp === candle(BTC, 1).candle.timestamp) throw new Error('async handler bug');
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
    for (let i = 0; i < total; i++) await publisher.bus.publish(MarketEventName.CandleClosed, candle(BTC, i));
    await eventually(() => order.length === total, 10_000);
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

  it('stops delivering after unsubscribe and unsubscribes the channel when the last handler leaves', async () => {
    const keys = new RedisKeys(prefix);
    const publisher = makeBus(keys);
    const { bus } = makeBus(keys);
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

    await publisher.bus.publish(AnalysisEventName.SignalChanged, signalChanged(1));
    await eventually(() => first.length === 1 && second.length === 1);

    offFirst();
    await bus.ready();
    expect(await admin.pubsub('NUMSUB', channel)).toEqual([channel, 1]);
    await publisher.bus.publish(AnalysisEventName.SignalChanged, signalChanged(2));
    await eventually(() => second.length === 2);
    expect(first).toEqual([31]);

    offSecond();
    await bus.ready();
    expect(await admin.pubsub('NUMSUB', channel)).toEqual([channel, 0]);
    await publisher.bus.publish(AnalysisEventName.SignalChanged, signalChanged(3));
    // A later message on a channel still subscribed: once it arrives, the earlier one would have too.
    await publisher.bus.publish(AnalysisEventName.ConfluenceUpdated, confluence(9));
    await eventually(() => sentinel.length === 1);
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
    const publisher = makeBus(keys);
    const { bus } = makeBus(keys);
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

    await publisher.bus.publish(AnalysisEventName.SignalChanged, signalChanged(4));
    await eventually(() => seen.length === 1);
    expect(seen).toEqual([34]);
  });

  it('keeps deployments on separate prefixes apart', async () => {
    const keysA = new RedisKeys(prefix);
    const keysB = new RedisKeys(newPrefix());
    const a = makeBus(keysA);
    const b = makeBus(keysB);
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
      await a.bus.publish(MarketEventName.CandleClosed, candle(BTC, i));
      await b.bus.publish(MarketEventName.CandleClosed, candle(ETH, i));
    }
    await eventually(() => seenByA.length === 2 && seenByB.length === 2);
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
