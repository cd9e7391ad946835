/** RedisMarketLog: checkpoints, fenced by the market lease (commit publishes and checkpoints atomically). */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { type AnalysisMessage, AnalysisEventName, type MarketRef } from '@app/contracts';
import type { Redis } from 'ioredis';
// By path: the @app/testing barrel also loads mongoose and the fake exchange (about 1 s a suite).
import { busEventFactory } from '../../../testing/src/factories/index.js';
import { RedisKeys } from './redis-keys.js';
import { BTC, eventually, MINUTE, RedisFixture, T0 } from './testing/redis-fixtures.js';

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

/** Result `i` of BTC's candle `i` minutes after T0, NEUTRAL at score 50 + i. */
function confluenceMessage(i: number): AnalysisMessage {
  return {
    name: AnalysisEventName.ConfluenceUpdated,
    payload: busEventFactory.confluenceUpdated({
      ...BTC,
      candleTime: T0 + i * MINUTE,
      emittedAt: T0 + 61_000 + i,
      score: 50 + i,
      components: { volume: null, sentiment: null },
      reasoning: `result ${i}`,
    }),
  };
}

/** BTC turning LONG from NEUTRAL at score 70 + i: the score tells the messages apart. */
function signalMessage(i: number): AnalysisMessage {
  return {
    name: AnalysisEventName.SignalChanged,
    payload: busEventFactory.signalChanged({
      ...BTC,
      time: T0 + i * MINUTE,
      emittedAt: T0 + 61_000 + i,
      from: 'NEUTRAL',
      to: 'LONG',
      score: 70 + i,
      confidence: 60,
    }),
  };
}

const checkpoint = (offset: string, extra: Record<string, unknown> = {}): string =>
  JSON.stringify({ offset, ...extra });

describe('RedisMarketLog', () => {
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
      await eventually(() => received.length === 3, 'the three committed messages');
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
      expect(await log.saveStored(BTC, 'w1', '1700000000000-1', checkpoint('1700000000000-1'))).toBe('saved');
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
      await eventually(() => received.length > 0, "the accepted commit's message");
      await subscriber.idle();
      expect(received).toEqual(['signal 79']);
      expect(await log.checkpoints(BTC)).toEqual({ published: last, stored: null });
    });
  });

  describe('saveStored', () => {
    it('sets the stored checkpoint only while the owner holds the lease, saying so when it does not', async () => {
      const log = makeLog();
      const first = checkpoint('1700000000000-0');
      expect(await log.saveStored(BTC, 'w1', '1700000000000-0', first)).toBe('lease-lost');
      expect(await log.checkpoints(BTC)).toEqual({ published: null, stored: null });

      await admin.set(keys.lease(BTC), 'w2');
      expect(await log.saveStored(BTC, 'w1', '1700000000000-0', first)).toBe('lease-lost');
      expect(await log.checkpoints(BTC)).toEqual({ published: null, stored: null });

      await admin.set(keys.lease(BTC), 'w1');
      expect(await log.saveStored(BTC, 'w1', '1700000000000-0', first)).toBe('saved');
      expect(await log.checkpoints(BTC)).toEqual({ published: null, stored: first });

      await admin.set(keys.lease(BTC), 'w2');
      const newer = checkpoint('1700000000001-0');
      expect(await log.saveStored(BTC, 'w1', '1700000000001-0', newer)).toBe('lease-lost');
      expect(await log.checkpoints(BTC)).toEqual({ published: null, stored: first });
    });

    it('tells a lost lease from a checkpoint that is not newer, the lease checked first', async () => {
      const log = makeLog();
      const kept = checkpoint('50-0', { by: 'w1' });
      await admin.set(keys.lease(BTC), 'w1');
      expect(await log.saveStored(BTC, 'w1', '50-0', kept)).toBe('saved');

      // The owner re-storing at or before the stored checkpoint (what follows a takeover).
      expect(await log.saveStored(BTC, 'w1', '50-0', checkpoint('50-0', { by: 'again' }))).toBe('not-newer');
      expect(await log.saveStored(BTC, 'w1', '49-9', checkpoint('49-9'))).toBe('not-newer');
      expect((await log.checkpoints(BTC)).stored).toBe(kept);

      // Its lease lapsed (the key expired): refused for the lease, newer or not.
      await admin.del(keys.lease(BTC));
      expect(await log.saveStored(BTC, 'w1', '51-0', checkpoint('51-0'))).toBe('lease-lost');
      expect(await log.saveStored(BTC, 'w1', '49-9', checkpoint('49-9'))).toBe('lease-lost');
      // Another worker holds it now: the same.
      await admin.set(keys.lease(BTC), 'w2');
      expect(await log.saveStored(BTC, 'w1', '51-0', checkpoint('51-0'))).toBe('lease-lost');
      expect(await log.saveStored(BTC, 'w1', '50-0', checkpoint('50-0'))).toBe('lease-lost');
      expect((await log.checkpoints(BTC)).stored).toBe(kept);

      // The new holder is told apart the same way.
      expect(await log.saveStored(BTC, 'w2', '50-0', checkpoint('50-0', { by: 'w2' }))).toBe('not-newer');
      const moved = checkpoint('51-0', { by: 'w2' });
      expect(await log.saveStored(BTC, 'w2', '51-0', moved)).toBe('saved');
      expect((await log.checkpoints(BTC)).stored).toBe(moved);
    });

    it('only moves forward, comparing offsets numerically', async () => {
      const log = makeLog();
      await admin.set(keys.lease(BTC), 'w1');
      const save = (offset: string): Promise<string> =>
        log.saveStored(BTC, 'w1', offset, checkpoint(offset, { note: offset }));
      const stored = async (): Promise<string | null> => (await log.checkpoints(BTC)).stored;

      expect(await save('9-5')).toBe('saved');
      expect(await save('9-4')).toBe('not-newer');
      expect(await save('8-99')).toBe('not-newer');
      expect(await save('9-5')).toBe('not-newer');
      expect(await stored()).toBe(checkpoint('9-5', { note: '9-5' }));

      expect(await save('9-10')).toBe('saved');
      expect(await save('10-0')).toBe('saved');
      expect(await save('9-99')).toBe('not-newer');
      expect(await stored()).toBe(checkpoint('10-0', { note: '10-0' }));

      expect(await save('1700000000000-0')).toBe('saved');
      expect(await save('1699999999999-7')).toBe('not-newer');
      expect(await save('1700000000000-1')).toBe('saved');
      expect(await stored()).toBe(checkpoint('1700000000000-1', { note: '1700000000000-1' }));

      // The stored and published checkpoints are independent.
      expect((await log.checkpoints(BTC)).published).toBeNull();
      expect((await log.checkpoints(ETH)).stored).toBeNull();
    });

    it('compares against the offset inside the stored checkpoint', async () => {
      const log = makeLog();
      await admin.set(keys.lease(BTC), 'w1');
      await admin.set(keys.storedCheckpoint(BTC), checkpoint('50-0', { written: 'elsewhere' }));

      expect(await log.saveStored(BTC, 'w1', '49-9', checkpoint('49-9'))).toBe('not-newer');
      expect(await log.saveStored(BTC, 'w1', '50-1', checkpoint('50-1'))).toBe('saved');
      expect((await log.checkpoints(BTC)).stored).toBe(checkpoint('50-1'));
    });
  });
});
