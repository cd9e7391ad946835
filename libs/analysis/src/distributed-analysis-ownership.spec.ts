import { setTimeout as delay } from 'node:timers/promises';
import { describe, expect, it } from '@jest/globals';
import { compareOffsets, MarketEventName } from '@app/contracts';
import { eventually } from '@app/testing';
import {
  btc1m,
  changeLines,
  changes,
  compact,
  compactOf,
  FakeHistory,
  NOW,
  newAnalyzer,
  oneMinute,
  publishedAt,
  reference,
  storedAt,
  streamOf,
  TEST_TIMEOUT,
  transitions,
  updates,
  workerPool,
} from './testing/distributed-kit.js';
import { checkpointOf, FakeMarketLog, ID, MARKET } from './testing/fake-market-log.js';

/**
 * DistributedAnalysis when a market changes hands: a new owner after a crash or with a lagging
 * candle store continues exactly as an unbroken run, and a worker whose lease is gone stops
 * committing and reading, and resumes from the checkpoints when it gets the market back.
 */

describe('DistributedAnalysis takeovers', () => {
  const { startWorker, stopWorker } = workerPool();

  it(
    'after a crash, the new owner re-stores what was published but not stored, without publishing it again',
    async () => {
      const log = new FakeMarketLog();
      const history = new FakeHistory();
      const events = oneMinute(0, 400);
      // market-data stores every candle it publishes.
      history.candles.set('1m', btc1m.slice(0, 400));
      const offsets = log.appendCandles(events.slice(0, 250));

      const first = startWorker(log, history, 'w1');
      await first.ownership.acquire();
      await eventually(() => publishedAt(log) === offsets[249], 'w1 to commit 250 candles');
      await first.sink.drained();
      expect(storedAt(log)).toBe(offsets[249]);
      // The store goes down: w1 goes on publishing, the stored checkpoint stays behind.
      first.sink.writing = false;
      offsets.push(...log.appendCandles(events.slice(250, 320)));
      await eventually(() => publishedAt(log) === offsets[319], 'w1 to commit 320 candles');
      expect(storedAt(log)).toBe(offsets[249]);
      await stopWorker(first); // the crash: its held writes never happened
      // market-data goes on: the new owner finds a backlog straddling what w1 published.
      offsets.push(...log.appendCandles(events.slice(320)));

      const second = startWorker(log, history, 'w2');
      await second.ownership.acquire();
      // The takeover runs on the read loop: it resumes from the stored checkpoint, repairing up to w1's.
      await eventually(() => second.analysis.status().takeovers === 1, 'w2 to take the market over');
      expect(second.logger.lines.join('\n')).toContain(
        `reading after ${offsets[249]}, re-storing what was published up to ${offsets[319]}`,
      );
      // A late write of the crashed worker cannot move the stored checkpoint any more (fenced).
      await first.sink.release();
      const late = log.storedCalls.filter(
        (c) => c.owner === 'w1' && compareOffsets(c.offset, offsets[249]!) > 0,
      );
      expect(late.length).toBeGreaterThan(0);
      expect(late.every((c) => !c.accepted)).toBe(true);

      await eventually(() => publishedAt(log) === offsets.at(-1), 'w2 to commit the new candles');
      await second.sink.drained();
      expect(storedAt(log)).toBe(offsets.at(-1));
      // w2 committed only past what w1 had published.
      const firstCommit = log.commits.find((c) => c.owner === 'w2');
      expect(compareOffsets(checkpointOf(firstCommit?.checkpoint).offset, offsets[319]!)).toBeGreaterThan(0);

      const expected = reference(events);
      const all = updates(log.messages());
      // Every result published exactly once over both workers, as an unbroken run would have.
      expect(all.map(compactOf)).toEqual([...expected.values()].map(compact));
      const byW2 = updates(log.messages('w2')).map(streamOf);
      expect(byW2).toEqual(events.slice(320).map((e) => `1m@${e.candle.timestamp}`));
      // w2 stored everything after the stored checkpoint: the repaired range and the new one, once each.
      expect(second.sink.results().map(compact)).toEqual(
        [...expected.values()].filter((r) => r.candleTime > btc1m[249]!.timestamp).map(compact),
      );
      // Labels carried over: the signals continue w1's, no fresh start from null.
      expect(changeLines(changes(log.messages()))).toEqual(transitions(all));
      expect(
        second.sink.outputs
          .flatMap((o) => o.changes)
          .map((c) => `${c.timeframe}@${c.time} ${c.from} → ${c.to}`),
      ).toEqual(
        transitions(all).filter((line) => Number(line.slice(3).split(' ')[0]) > btc1m[249]!.timestamp),
      );
      expect(second.analysis.status()).toMatchObject({
        markets: [{ market: ID, offset: offsets.at(-1), repairing: false }],
        takeovers: 1,
        lostCommits: 0,
      });
    },
    TEST_TIMEOUT,
  );

  it(
    'rebuilds from stored candles topped up from the log when the candle store lags the checkpoint',
    async () => {
      const log = new FakeMarketLog();
      const history = new FakeHistory();
      const events = oneMinute(0, 400);
      const offsets = log.appendCandles(events);
      // A previous owner got to candle 300 (published and stored); the candle store only to 250.
      const prior = newAnalyzer(MARKET);
      prior.process(
        events.slice(0, 300).map((payload) => ({ name: MarketEventName.CandleClosed, payload })),
        NOW,
      );
      const checkpoint = JSON.stringify({ offset: offsets[299], ...prior.state() });
      log.published.set(ID, checkpoint);
      log.stored.set(ID, checkpoint);
      history.candles.set('1m', btc1m.slice(0, 250));

      const worker = startWorker(log, history, 'w2');
      await worker.ownership.acquire();
      await eventually(() => publishedAt(log) === offsets.at(-1), 'the rest to be committed');
      expect(history.calls).toEqual([{ timeframe: '1m', until: btc1m[299]!.timestamp, count: 10_000 }]);
      const expected = [...reference(events).values()].filter((r) => r.candleTime > btc1m[299]!.timestamp);
      expect(updates(log.messages()).map(compactOf)).toEqual(expected.map(compact));
      // Without a snapshot the rebuild is the fallback, and it says so.
      expect(worker.logger.lines.filter((l) => l.startsWith('warn'))).toEqual([
        `warn ${ID}: no snapshot; rebuilt from 300 stored candle(s) instead`,
      ]);
    },
    TEST_TIMEOUT,
  );
});

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
      await eventually(() => publishedAt(log) === offsets[99], 'the first 100 candles to be committed');
      const committed = log.commits.length;
      const publishedBefore = log.published.get(ID);
      // Another worker takes the lease before this one hears of it.
      log.leases.set(ID, 'w-other');
      log.appendCandles(events.slice(100, 150));
      await eventually(() => worker.analysis.status().lostCommits === 1, 'the refused commit');
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
      await eventually(() => publishedAt(log) === offsets[149], 'the first 150 candles to be committed');
      await worker.ownership.lose();
      expect(worker.analysis.status().markets).toEqual([]);
      offsets.push(...log.appendCandles(events.slice(150)));
      await delay(50);
      expect(publishedAt(log)).toBe(offsets[149]);
      await worker.ownership.acquire();
      await eventually(() => publishedAt(log) === offsets.at(-1), 'the rest to be committed');
      expect(worker.analysis.status().takeovers).toBe(2);
    },
    TEST_TIMEOUT,
  );
});
