/** RedisMarketLog: a malformed entry is returned as rejected, never stalls or fails a read. */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { AnalysisEventName, type MarketRef, MarketEventName } from '@app/contracts';
import type { Redis } from 'ioredis';
import { RedisKeys } from './redis-keys.js';
import { BTC, candleEvent, from, RedisFixture } from './testing/redis-fixtures.js';

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
    it('returns malformed entries as rejected with their reasons, and moves past them', async () => {
      const bus = makeBus();
      const log = makeLog();
      const stream = keys.stream(BTC);
      const valid = candleEvent(BTC, 0);
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
      await bus.publish(MarketEventName.CandleClosed, candleEvent(BTC, 0));
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
            events: [
              { offset: offsets[1], name: MarketEventName.CandleClosed, payload: candleEvent(BTC, 0) },
            ],
            rejected: [{ offset: offsets[0], name: MarketEventName.CandleClosed, errors: expect.any(Array) }],
            lastOffset: offsets[1],
          },
        ],
      });
    });
  });
});
