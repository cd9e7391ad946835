import { randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import {
  type AnalysisMessage,
  AnalysisEventName,
  type BusEventData,
  DataSource,
  type LogBatch,
  type MarketRef,
  MarketEventName,
  marketId,
  Signal,
  UpdateTrigger,
} from '@app/contracts';
import { Redis } from 'ioredis';
import { RedisEventBus } from './redis-event-bus.js';
import { RedisKeys } from './redis-keys.js';
import { RedisMarketLog } from './redis-market-log.js';

const BTC: MarketRef = { exchange: 'binance', symbol: 'BTC/USDT' };
const ETH: MarketRef = { exchange: 'kraken', symbol: 'ETH/USD' };
const T0 = 1_700_000_040_000;

type CandleData = BusEventData<typeof MarketEventName.CandleClosed>;
type BookData = BusEventData<typeof MarketEventName.OrderBookSnapshot>;

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

function book(market: MarketRef, i: number): BookData {
  return {
    ...market,
    source: DataSource.Live,
    emittedAt: T0 + i,
    timestamp: T0 + i,
    bids: [{ price: 99, size: 1 }],
    asks: [{ price: 101, size: 2 }],
  };
}

function confluenceMessage(i: number): AnalysisMessage {
  return {
    name: AnalysisEventName.ConfluenceUpdated,
    payload: {
      ...BTC,
      source: DataSource.Live,
      emittedAt: T0 + 61_000 + i,
      timeframe: '1m',
      candleTime: T0 + i * 60_000,
      trigger: UpdateTrigger.Candle,
      inputEmittedAt: T0 + 60_000,
      computedAt: T0 + 60_500,
      score: 50 + i,
      label: Signal.Neutral,
      confidence: 40,
      coverage: 1,
      components: {
        orderFlow: 50,
        orderBook: 50,
        volume: null,
        priceStructure: 50,
        technical: 50,
        sentiment: null,
      },
      engineVersion: '1.0.0',
      configHash: 'f'.repeat(64),
      inputHash: '9'.repeat(64),
      reasoning: `result ${i}`,
    },
  };
}

function signalMessage(i: number): AnalysisMessage {
  return {
    name: AnalysisEventName.SignalChanged,
    payload: {
      ...BTC,
      source: DataSource.Live,
      emittedAt: T0 + 61_000 + i,
      timeframe: '1m',
      time: T0 + i * 60_000,
      from: Signal.Neutral,
      to: Signal.Long,
      score: 70 + i,
      confidence: 60,
    },
  };
}

const silent = { warn: (): void => undefined, error: (): void => undefined };

let admin: Redis;
let prefix: string;
let keys: RedisKeys;
const connections: Redis[] = [];

function connect(): Redis {
  const connection = new Redis({ host: '127.0.0.1', port: 6379, maxRetriesPerRequest: 1 });
  connections.push(connection);
  return connection;
}

function makeBus(): RedisEventBus {
  return new RedisEventBus({
    publisher: connect(),
    subscriber: connect(),
    keys,
    streamMaxLength: 1_000,
    logger: silent,
  });
}

function makeLog(): RedisMarketLog {
  return new RedisMarketLog({ commands: connect(), reader: connect(), keys });
}

function from(
  ...entries: readonly (readonly [MarketRef, string])[]
): Map<string, { market: MarketRef; after: string }> {
  return new Map(entries.map(([market, after]) => [marketId(market), { market, after }]));
}

function batchOf(batches: readonly LogBatch[], market: MarketRef): LogBatch {
  const batch = batches.find((item) => marketId(item.market) === marketId(market));
  if (batch === undefined) throw new Error(`no batch for ${marketId(market)}`);
  return batch;
}

async function ids(market: MarketRef): Promise<string[]> {
  return (await admin.xrange(keys.stream(market), '-', '+')).map(([id]) => id);
}

async function eventually(check: () => boolean, deadlineMs = 3_000): Promise<void> {
  const until = Date.now() + deadlineMs;
  while (!check()) {
    if (Date.now() > until) throw new Error(`condition not met within ${deadlineMs}ms`);
    await delay(10);
  }
}

const checkpoint = (offset: string, extra: Record<string, unknown> = {}): string =>
  JSON.stringify({ offset, ...extra });

beforeAll(() => {
  admin = new Redis({ host: '127.0.0.1', port: 6379, maxRetriesPerRequest: 1 });
});

beforeEach(() => {
  prefix = `test-redis-log-${randomUUID()}`;
  keys = new RedisKeys(prefix);
});

afterEach(async () => {
  await Promise.all(connections.splice(0).map((connection) => connection.quit()));
  let cursor = '0';
  do {
    const [next, found] = await admin.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 100);
    if (found.length > 0) await admin.del(...found);
    cursor = next;
  } while (cursor !== '0');
});

afterAll(async () => {
  await admin.quit();
});

describe('RedisMarketLog', () => {
  describe('read', () => {
    it('returns each market’s entries in order with the offset to continue from', async () => {
      const bus = makeBus();
      const log = makeLog();
      for (const i of [0, 1, 2]) await bus.publish(MarketEventName.CandleClosed, candle(BTC, i));
      await bus.publish(MarketEventName.OrderBookSnapshot, book(ETH, 0));
      await bus.publish(MarketEventName.CandleClosed, candle(ETH, 0));

      const batches = await log.read(from([BTC, '0'], [ETH, '0']), 100, 100);

      expect(batches).toHaveLength(2);
      const btc = batchOf(batches, BTC);
      const btcIds = await ids(BTC);
      expect(btc.market).toEqual(BTC);
      expect(btc.rejected).toEqual([]);
      expect(btc.events.map((event) => event.offset)).toEqual(btcIds);
      expect(btc.events.map((event) => event.name)).toEqual(Array(3).fill(MarketEventName.CandleClosed));
      expect(btc.events.map((event) => event.payload)).toEqual([
        candle(BTC, 0),
        candle(BTC, 1),
        candle(BTC, 2),
      ]);
      expect(btc.lastOffset).toBe(btcIds[2]);

      const eth = batchOf(batches, ETH);
      const ethIds = await ids(ETH);
      expect(eth.events).toEqual([
        { offset: ethIds[0], name: MarketEventName.OrderBookSnapshot, payload: book(ETH, 0) },
        { offset: ethIds[1], name: MarketEventName.CandleClosed, payload: candle(ETH, 0) },
      ]);
      expect(eth.lastOffset).toBe(ethIds[1]);

      const started = Date.now();
      const again = await log.read(from([BTC, btc.lastOffset], [ETH, eth.lastOffset]), 100, 150);
      expect(again).toEqual([]);
      expect(Date.now() - started).toBeGreaterThanOrEqual(120);
    });

    it('continues after an offset and returns at most `count` entries per market', async () => {
      const bus = makeBus();
      const log = makeLog();
      for (const i of [0, 1, 2, 3, 4]) await bus.publish(MarketEventName.CandleClosed, candle(BTC, i));
      for (const i of [0, 1, 2]) await bus.publish(MarketEventName.CandleClosed, candle(ETH, i));
      const btcIds = await ids(BTC);
      const ethIds = await ids(ETH);

      const first = await log.read(from([BTC, '0'], [ETH, '0']), 2, 100);
      expect(batchOf(first, BTC).events.map((event) => event.offset)).toEqual(btcIds.slice(0, 2));
      expect(batchOf(first, BTC).lastOffset).toBe(btcIds[1]);
      expect(batchOf(first, ETH).events.map((event) => event.offset)).toEqual(ethIds.slice(0, 2));

      const second = await log.read(
        from([BTC, batchOf(first, BTC).lastOffset], [ETH, batchOf(first, ETH).lastOffset]),
        2,
        100,
      );
      expect(batchOf(second, BTC).events.map((event) => event.payload)).toEqual([
        candle(BTC, 2),
        candle(BTC, 3),
      ]);
      expect(batchOf(second, ETH).events.map((event) => event.offset)).toEqual([ethIds[2]]);
      expect(batchOf(second, ETH).lastOffset).toBe(ethIds[2]);

      // Only markets with something new come back.
      const third = await log.read(
        from([BTC, batchOf(second, BTC).lastOffset], [ETH, batchOf(second, ETH).lastOffset]),
        2,
        100,
      );
      expect(third.map((batch) => batch.market)).toEqual([BTC]);
      expect(batchOf(third, BTC).events.map((event) => event.offset)).toEqual([btcIds[4]]);
    });

    it('waits blockMs and returns nothing when asked for no market', async () => {
      const log = makeLog();
      const started = Date.now();
      expect(await log.read(new Map(), 10, 150)).toEqual([]);
      const elapsed = Date.now() - started;
      expect(elapsed).toBeGreaterThanOrEqual(140);
      expect(elapsed).toBeLessThan(1_000);
    });

    it('returns from a blocked read as soon as another connection appends', async () => {
      const bus = makeBus();
      const log = makeLog();
      await bus.publish(MarketEventName.CandleClosed, candle(BTC, 0));
      const [after = ''] = await ids(BTC);

      const started = Date.now();
      const reading = log.read(from([BTC, after], [ETH, '0']), 10, 2_000);
      await delay(100);
      await bus.publish(MarketEventName.CandleClosed, candle(BTC, 1));
      const batches = await reading;
      const elapsed = Date.now() - started;

      expect(elapsed).toBeLessThan(1_500);
      expect(batches).toHaveLength(1);
      expect(batchOf(batches, BTC).events.map((event) => event.payload)).toEqual([candle(BTC, 1)]);
    });

    it('returns malformed entries as rejected with their reasons, and moves past them', async () => {
      const bus = makeBus();
      const log = makeLog();
      const stream = keys.stream(BTC);
      const valid = candle(BTC, 0);
      await bus.publish(MarketEventName.CandleClosed, valid);
      const broken = JSON.stringify({ ...valid, candle: { ...valid.candle, high: -1 } });
      await admin.xadd(stream, '*', 'name', MarketEventName.CandleClosed, 'payload', broken);
      await admin.xadd(
        stream,
        '*',
        'name',
        AnalysisEventName.SignalChanged,
        'payload',
        JSON.stringify(valid),
      );
      await admin.xadd(stream, '*', 'name', 'market.unknown', 'payload', JSON.stringify(valid));
      await admin.xadd(stream, '*', 'name', MarketEventName.CandleClosed, 'payload', '{not json');
      await admin.xadd(stream, '*', 'payload', JSON.stringify(valid));
      const offsets = await ids(BTC);

      const [batch, ...others] = await log.read(from([BTC, '0']), 100, 100);

      expect(others).toEqual([]);
      expect(batch?.events).toEqual([
        { offset: offsets[0], name: MarketEventName.CandleClosed, payload: valid },
      ]);
      expect(batch?.rejected).toEqual([
        {
          offset: offsets[1],
          name: MarketEventName.CandleClosed,
          errors: [expect.stringMatching(/^candle\.high: /)],
        },
        {
          offset: offsets[2],
          name: AnalysisEventName.SignalChanged,
          errors: ['name: "signal.changed" is not a market event'],
        },
        {
          offset: offsets[3],
          name: 'market.unknown',
          errors: ['name: "market.unknown" is not a market event'],
        },
        {
          offset: offsets[4],
          name: MarketEventName.CandleClosed,
          errors: [expect.stringMatching(/^payload: not JSON/)],
        },
        { offset: offsets[5], name: '', errors: ['name: "" is not a market event'] },
      ]);
      expect(batch?.lastOffset).toBe(offsets[5]);
      expect(await log.read(from([BTC, batch?.lastOffset ?? '0']), 100, 50)).toEqual([]);
    });

    it('returns a deeply nested entry as rejected instead of failing the whole read', async () => {
      const bus = makeBus();
      const log = makeLog();
      const depth = 20_000;
      const nested = `{"extra":${'{"x":'.repeat(depth)}1${'}'.repeat(depth)}}`;
      await admin.xadd(keys.stream(BTC), '*', 'name', MarketEventName.CandleClosed, 'payload', nested);
      await bus.publish(MarketEventName.CandleClosed, candle(BTC, 0));
      const offsets = await ids(BTC);

      // A malformed entry is to be skipped (returned as rejected), not stall the market's log forever.
      const outcome = await log.read(from([BTC, '0']), 100, 100).then(
        (batches) => ({ batches }),
        (error: unknown) => ({ error: String(error) }),
      );

      expect(outcome).toEqual({
        batches: [
          {
            market: BTC,
            events: [{ offset: offsets[1], name: MarketEventName.CandleClosed, payload: candle(BTC, 0) }],
            rejected: [{ offset: offsets[0], name: MarketEventName.CandleClosed, errors: expect.any(Array) }],
            lastOffset: offsets[1],
          },
        ],
      });
    });
  });

  describe('candlesUntil', () => {
    it('returns only the valid closed candles up to and including the offset, oldest first', async () => {
      const bus = makeBus();
      const log = makeLog();
      await bus.publish(MarketEventName.CandleClosed, candle(BTC, 0));
      await bus.publish(MarketEventName.OrderBookSnapshot, book(BTC, 0));
      await admin.xadd(keys.stream(BTC), '*', 'name', MarketEventName.CandleClosed, 'payload', '{}');
      await bus.publish(MarketEventName.CandleClosed, candle(BTC, 1));
      await bus.publish(MarketEventName.CandleClosed, candle(BTC, 2));
      await bus.publish(MarketEventName.CandleClosed, candle(ETH, 0));
      const offsets = await ids(BTC);

      expect(await log.candlesUntil(BTC, offsets[3] ?? '')).toEqual([candle(BTC, 0), candle(BTC, 1)]);
      expect(await log.candlesUntil(BTC, offsets[4] ?? '')).toEqual([
        candle(BTC, 0),
        candle(BTC, 1),
        candle(BTC, 2),
      ]);
      expect(await log.candlesUntil(BTC, offsets[0] ?? '')).toEqual([candle(BTC, 0)]);
      expect(await log.candlesUntil(ETH, '0-1')).toEqual([]);
      expect(await log.candlesUntil({ exchange: 'okx', symbol: 'SOL/USDT' }, offsets[4] ?? '')).toEqual([]);
    });
  });

  describe('commit', () => {
    it('publishes the messages and sets the published checkpoint while the owner holds the lease', async () => {
      const log = makeLog();
      const subscriber = makeBus();
      const received: string[] = [];
      subscriber.subscribe(AnalysisEventName.ConfluenceUpdated, (payload) => {
        received.push(`confluence ${payload.reasoning}`);
      });
      subscriber.subscribe(AnalysisEventName.SignalChanged, (payload) => {
        received.push(`signal ${payload.score}`);
      });
      await subscriber.ready();
      await admin.set(keys.lease(BTC), 'w1');

      const saved = checkpoint('1700000000000-3', { state: { ema: 1.5 } });
      const messages = [confluenceMessage(1), signalMessage(1), confluenceMessage(2)];
      expect(await log.commit(BTC, 'w1', saved, messages)).toBe(true);
      await eventually(() => received.length === 3);
      await subscriber.idle();

      expect(received).toEqual(['confluence result 1', 'signal 71', 'confluence result 2']);
      expect(subscriber.stats().rejected).toEqual({});
      expect(await log.checkpoints(BTC)).toEqual({ published: saved, stored: null });
      expect(await log.checkpoints(ETH)).toEqual({ published: null, stored: null });

      // With nothing to publish, the checkpoint still moves.
      const next = checkpoint('1700000000001-0');
      expect(await log.commit(BTC, 'w1', next, [])).toBe(true);
      expect(await log.checkpoints(BTC)).toEqual({ published: next, stored: null });
    });

    it('commits after Redis lost its script cache (EVALSHA falls back to EVAL once)', async () => {
      const log = makeLog();
      await admin.set(keys.lease(BTC), 'w1');
      // Every script user here falls back the same way, so flushing the shared cache is harmless.
      await admin.script('FLUSH');
      expect(await log.commit(BTC, 'w1', checkpoint('1700000000000-1'), [])).toBe(true);
      expect(await log.saveStored(BTC, 'w1', '1700000000000-1', checkpoint('1700000000000-1'))).toBe(true);
      expect(await log.commit(BTC, 'w1', checkpoint('1700000000000-2'), [])).toBe(true);
      expect(await log.checkpoints(BTC)).toEqual({
        published: checkpoint('1700000000000-2'),
        stored: checkpoint('1700000000000-1'),
      });
    });

    it('publishes nothing and keeps the checkpoint when the lease is someone else’s or nobody’s', async () => {
      const log = makeLog();
      const subscriber = makeBus();
      const received: string[] = [];
      subscriber.subscribe(AnalysisEventName.ConfluenceUpdated, (payload) => {
        received.push(`confluence ${payload.reasoning}`);
      });
      subscriber.subscribe(AnalysisEventName.SignalChanged, (payload) => {
        received.push(`signal ${payload.score}`);
      });
      await subscriber.ready();
      const kept = checkpoint('1700000000000-1');
      await admin.set(keys.publishedCheckpoint(BTC), kept);

      await admin.set(keys.lease(BTC), 'w2');
      expect(await log.commit(BTC, 'w1', checkpoint('1700000000000-2'), [confluenceMessage(1)])).toBe(false);
      expect(await log.checkpoints(BTC)).toEqual({ published: kept, stored: null });

      await admin.del(keys.lease(BTC));
      expect(await log.commit(BTC, 'w1', checkpoint('1700000000000-3'), [signalMessage(1)])).toBe(false);
      expect(await log.checkpoints(BTC)).toEqual({ published: kept, stored: null });

      // Another market's lease does not count either.
      await admin.set(keys.lease(ETH), 'w1');
      expect(await log.commit(BTC, 'w1', checkpoint('1700000000000-4'), [signalMessage(2)])).toBe(false);
      expect(await log.checkpoints(BTC)).toEqual({ published: kept, stored: null });

      // A later message that does go out: anything the refused commits had published would be first.
      await admin.set(keys.lease(BTC), 'w2');
      const last = checkpoint('1700000000000-5');
      expect(await log.commit(BTC, 'w2', last, [signalMessage(9)])).toBe(true);
      await eventually(() => received.length > 0);
      await subscriber.idle();
      expect(received).toEqual(['signal 79']);
      expect(await log.checkpoints(BTC)).toEqual({ published: last, stored: null });
    });
  });

  describe('saveStored', () => {
    it('sets the stored checkpoint only while the owner holds the lease', async () => {
      const log = makeLog();
      const first = checkpoint('1700000000000-0');
      expect(await log.saveStored(BTC, 'w1', '1700000000000-0', first)).toBe(false);
      expect(await log.checkpoints(BTC)).toEqual({ published: null, stored: null });

      await admin.set(keys.lease(BTC), 'w2');
      expect(await log.saveStored(BTC, 'w1', '1700000000000-0', first)).toBe(false);
      expect(await log.checkpoints(BTC)).toEqual({ published: null, stored: null });

      await admin.set(keys.lease(BTC), 'w1');
      expect(await log.saveStored(BTC, 'w1', '1700000000000-0', first)).toBe(true);
      expect(await log.checkpoints(BTC)).toEqual({ published: null, stored: first });

      await admin.set(keys.lease(BTC), 'w2');
      const newer = checkpoint('1700000000001-0');
      expect(await log.saveStored(BTC, 'w1', '1700000000001-0', newer)).toBe(false);
      expect(await log.checkpoints(BTC)).toEqual({ published: null, stored: first });
    });

    it('only moves forward, comparing offsets numerically', async () => {
      const log = makeLog();
      await admin.set(keys.lease(BTC), 'w1');
      const save = (offset: string): Promise<boolean> =>
        log.saveStored(BTC, 'w1', offset, checkpoint(offset, { note: offset }));
      const stored = async (): Promise<string | null> => (await log.checkpoints(BTC)).stored;

      expect(await save('9-5')).toBe(true);
      expect(await save('9-4')).toBe(false);
      expect(await save('8-99')).toBe(false);
      expect(await save('9-5')).toBe(false);
      expect(await stored()).toBe(checkpoint('9-5', { note: '9-5' }));

      expect(await save('9-10')).toBe(true);
      expect(await save('10-0')).toBe(true);
      expect(await save('9-99')).toBe(false);
      expect(await stored()).toBe(checkpoint('10-0', { note: '10-0' }));

      expect(await save('1700000000000-0')).toBe(true);
      expect(await save('1699999999999-7')).toBe(false);
      expect(await save('1700000000000-1')).toBe(true);
      expect(await stored()).toBe(checkpoint('1700000000000-1', { note: '1700000000000-1' }));

      // The stored and published checkpoints are independent.
      expect((await log.checkpoints(BTC)).published).toBeNull();
      expect((await log.checkpoints(ETH)).stored).toBeNull();
    });

    it('compares against the offset inside the stored checkpoint', async () => {
      const log = makeLog();
      await admin.set(keys.lease(BTC), 'w1');
      await admin.set(keys.storedCheckpoint(BTC), checkpoint('50-0', { written: 'elsewhere' }));

      expect(await log.saveStored(BTC, 'w1', '49-9', checkpoint('49-9'))).toBe(false);
      expect(await log.saveStored(BTC, 'w1', '50-1', checkpoint('50-1'))).toBe(true);
      expect((await log.checkpoints(BTC)).stored).toBe(checkpoint('50-1'));
    });
  });
});
