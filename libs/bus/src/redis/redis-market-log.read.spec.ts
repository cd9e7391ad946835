/** RedisMarketLog: reading what the bus appended, per market, in order, blocking for more. */
import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { type MarketRef, MarketEventName } from '@app/contracts';
import type { Redis } from 'ioredis';
import { RedisKeys } from './redis-keys.js';
import { batchOf, BTC, bookEvent, candleEvent, from, RedisFixture } from './testing/redis-fixtures.js';

const ETH: MarketRef = { exchange: 'kraken', symbol: 'ETH/USD' };

const redis = new RedisFixture('test-redis-log');
let admin: Redis;
let keys: RedisKeys;

beforeAll(() => {
  admin = redis.open();
});

beforeEach(() => {
  keys = new RedisKeys(redis.newPrefix());
});

afterEach(() => redis.cleanup());

afterAll(() => redis.close());

const makeBus = () => redis.bus(keys);
const makeLog = () => redis.log(keys);
const ids = (market: MarketRef) => redis.streamIds(keys.stream(market));

describe('RedisMarketLog', () => {
  describe('read', () => {
    it('returns each market’s entries in order with the offset to continue from', async () => {
      const bus = makeBus();
      const log = makeLog();
      for (const i of [0, 1, 2]) await bus.publish(MarketEventName.CandleClosed, candleEvent(BTC, i));
      await bus.publish(MarketEventName.OrderBookSnapshot, bookEvent(ETH, 0));
      await bus.publish(MarketEventName.CandleClosed, candleEvent(ETH, 0));

      const batches = await log.read(from([BTC, '0'], [ETH, '0']), 100, 100);

      expect(batches).toHaveLength(2);
      const btc = batchOf(batches, BTC);
      const btcIds = await ids(BTC);
      expect(btc.market).toEqual(BTC);
      expect(btc.rejected).toEqual([]);
      expect(btc.events.map((event) => event.offset)).toEqual(btcIds);
      expect(btc.events.map((event) => event.name)).toEqual(Array(3).fill(MarketEventName.CandleClosed));
      expect(btc.events.map((event) => event.payload)).toEqual([
        candleEvent(BTC, 0),
        candleEvent(BTC, 1),
        candleEvent(BTC, 2),
      ]);
      expect(btc.lastOffset).toBe(btcIds[2]);

      const eth = batchOf(batches, ETH);
      const ethIds = await ids(ETH);
      expect(eth.events).toEqual([
        { offset: ethIds[0], name: MarketEventName.OrderBookSnapshot, payload: bookEvent(ETH, 0) },
        { offset: ethIds[1], name: MarketEventName.CandleClosed, payload: candleEvent(ETH, 0) },
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
      for (const i of [0, 1, 2, 3, 4]) await bus.publish(MarketEventName.CandleClosed, candleEvent(BTC, i));
      for (const i of [0, 1, 2]) await bus.publish(MarketEventName.CandleClosed, candleEvent(ETH, i));
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
        candleEvent(BTC, 2),
        candleEvent(BTC, 3),
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
      // Only "it came back": a loaded machine may take a while, a hang would take forever.
      expect(elapsed).toBeLessThan(20_000);
    });

    it('returns from a blocked read as soon as another connection appends', async () => {
      const bus = makeBus();
      const log = makeLog();
      await bus.publish(MarketEventName.CandleClosed, candleEvent(BTC, 0));
      const [after = ''] = await ids(BTC);

      const started = Date.now();
      // Blocks for up to 60 s: returning well before that can only be the append waking it.
      const reading = log.read(from([BTC, after], [ETH, '0']), 10, 60_000);
      await delay(100);
      await bus.publish(MarketEventName.CandleClosed, candleEvent(BTC, 1));
      const batches = await reading;
      const elapsed = Date.now() - started;

      expect(elapsed).toBeLessThan(30_000);
      expect(batches).toHaveLength(1);
      expect(batchOf(batches, BTC).events.map((event) => event.payload)).toEqual([candleEvent(BTC, 1)]);
    });
  });

  /** BTC's log: candle 0, a book, a malformed candle entry, candles 1 and 2 (offsets 0–4). */
  async function publishMixedLog(bus: ReturnType<typeof makeBus>): Promise<void> {
    await bus.publish(MarketEventName.CandleClosed, candleEvent(BTC, 0));
    await bus.publish(MarketEventName.OrderBookSnapshot, bookEvent(BTC, 0));
    await admin.xadd(keys.stream(BTC), '*', 'name', MarketEventName.CandleClosed, 'payload', '{}');
    await bus.publish(MarketEventName.CandleClosed, candleEvent(BTC, 1));
    await bus.publish(MarketEventName.CandleClosed, candleEvent(BTC, 2));
  }

  describe('candlesUntil', () => {
    it('returns only the valid closed candles up to and including the offset, oldest first', async () => {
      const bus = makeBus();
      const log = makeLog();
      await publishMixedLog(bus);
      await bus.publish(MarketEventName.CandleClosed, candleEvent(ETH, 0));
      const offsets = await ids(BTC);

      expect(await log.candlesUntil(BTC, offsets[3] ?? '')).toEqual([
        candleEvent(BTC, 0),
        candleEvent(BTC, 1),
      ]);
      expect(await log.candlesUntil(BTC, offsets[4] ?? '')).toEqual([
        candleEvent(BTC, 0),
        candleEvent(BTC, 1),
        candleEvent(BTC, 2),
      ]);
      expect(await log.candlesUntil(BTC, offsets[0] ?? '')).toEqual([candleEvent(BTC, 0)]);
      expect(await log.candlesUntil(ETH, '0-1')).toEqual([]);
      expect(await log.candlesUntil({ exchange: 'okx', symbol: 'SOL/USDT' }, offsets[4] ?? '')).toEqual([]);
    });
  });

  describe('range', () => {
    it('returns every entry after the offset up to the end offset, rejected ones named', async () => {
      const bus = makeBus();
      const log = makeLog();
      await publishMixedLog(bus);
      const [first = '', second = '', third = '', fourth = '', fifth = ''] = await ids(BTC);

      const range = await log.range(BTC, first, fourth);

      expect(range?.events).toEqual([
        { offset: second, name: MarketEventName.OrderBookSnapshot, payload: bookEvent(BTC, 0) },
        { offset: fourth, name: MarketEventName.CandleClosed, payload: candleEvent(BTC, 1) },
      ]);
      expect(range?.rejected.map((entry) => entry.offset)).toEqual([third]);
      expect(range?.lastOffset).toBe(fourth);
      // Nothing after the offset yet: an empty, complete range.
      expect(await log.range(BTC, fifth, fifth)).toMatchObject({
        events: [],
        rejected: [],
        lastOffset: fifth,
      });
    });

    it('is null when the log no longer holds the starting entry (trimmed)', async () => {
      const bus = makeBus();
      const log = makeLog();
      for (const i of [0, 1, 2, 3]) await bus.publish(MarketEventName.CandleClosed, candleEvent(BTC, i));
      const [first = '', second = '', , last = ''] = await ids(BTC);
      await admin.xtrim(keys.stream(BTC), 'MAXLEN', 2);

      expect(await log.range(BTC, first, last)).toBeNull();
      expect(await log.range(BTC, second, last)).toBeNull();
      expect(await log.range({ exchange: 'okx', symbol: 'SOL/USDT' }, '1-0', '9-0')).toBeNull();
    });
  });
});
