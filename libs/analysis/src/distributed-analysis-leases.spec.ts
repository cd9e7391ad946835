import { setTimeout as delay } from 'node:timers/promises';
import { describe, expect, it } from '@jest/globals';
import {
  btc1m,
  FakeHistory,
  oneMinute,
  publishedAt,
  storedAt,
  TEST_TIMEOUT,
  updates,
  waitFor,
  workerPool,
} from './testing/distributed-kit.js';
import { FakeMarketLog, ID } from './testing/fake-market-log.js';

describe('DistributedAnalysis leases', () => {
  const { startWorker } = workerPool();

  it(
    'drops the market and counts a lost commit when its lease is gone',
    async () => {
      const log = new FakeMarketLog();
      const events = oneMinute(0, 200);
      const offsets = log.appendCandles(events.slice(0, 100));
      const worker = startWorker(log, new FakeHistory(), 'w1');
      await worker.ownership.acquire();
      await waitFor(() => publishedAt(log) === offsets[99], 'the first 100 candles to be committed');
      const committed = log.commits.length;
      const publishedBefore = log.published.get(ID);
      // Another worker takes the lease before this one hears of it.
      log.leases.set(ID, 'w-other');
      log.appendCandles(events.slice(100, 150));
      await waitFor(() => worker.analysis.status().lostCommits === 1, 'the refused commit');
      await worker.sink.drained();
      expect(log.commits.slice(committed).map((c) => [c.owner, c.accepted])).toEqual([['w1', false]]);
      expect(log.published.get(ID)).toBe(publishedBefore);
      expect(worker.analysis.status().markets).toEqual([]);
      expect(worker.logger.lines.some((l) => l.startsWith('warn') && l.includes('lease lost'))).toBe(true);
      // Its store writes still ran (idempotent), but could not move the stored checkpoint.
      expect(storedAt(log)).toBe(offsets[99]);
      // Nothing more is read for a market it no longer holds.
      log.appendCandles(events.slice(150));
      await delay(50);
      expect(log.commits.length).toBe(committed + 1);
      expect(updates(log.messages()).every((u) => u.candleTime < btc1m[100]!.timestamp)).toBe(true);
    },
    TEST_TIMEOUT,
  );

  it(
    'stops reading a market it was told it lost, and picks it up again from the checkpoints',
    async () => {
      const log = new FakeMarketLog();
      const events = oneMinute(0, 300);
      const offsets = log.appendCandles(events.slice(0, 150));
      const worker = startWorker(log, new FakeHistory(), 'w1');
      await worker.ownership.acquire();
      await waitFor(() => publishedAt(log) === offsets[149], 'the first 150 candles to be committed');
      await worker.ownership.lose();
      expect(worker.analysis.status().markets).toEqual([]);
      offsets.push(...log.appendCandles(events.slice(150)));
      await delay(50);
      expect(publishedAt(log)).toBe(offsets[149]);
      await worker.ownership.acquire();
      await waitFor(() => publishedAt(log) === offsets.at(-1), 'the rest to be committed');
      expect(worker.analysis.status().takeovers).toBe(2);
    },
    TEST_TIMEOUT,
  );
});
