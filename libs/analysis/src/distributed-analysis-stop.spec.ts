import { describe, expect, it } from '@jest/globals';
import { compareOffsets, type MarketRef } from '@app/contracts';
import { eventually } from '@app/testing';
import type { MarketAnalyzer } from './market-analyzer.js';
import { CANDLES_PER_TURN } from './process-in-turns.js';
import {
  compact,
  compactOf,
  FakeHistory,
  newAnalyzer,
  publishedAt,
  reference,
  storedAt,
  streamOf,
  TEST_TIMEOUT,
  timeline,
  updates,
  type Worker,
  workerPool,
} from './testing/distributed-kit.js';
import { checkpointOf, FakeMarketLog, ID } from './testing/fake-market-log.js';

/**
 * DistributedAnalysis stopped in the middle of a batch: it ends the batch at the next turn,
 * commits and stores what it analysed up to there (with its snapshot), and hands the rest back;
 * the next owner goes on from exactly there, and together they publish every result once.
 */

describe('DistributedAnalysis stop', () => {
  const { startWorker } = workerPool();

  it(
    'ends a batch at the next turn, commits what it analysed, and leaves the rest to the next owner',
    async () => {
      const log = new FakeMarketLog();
      const events = timeline(420);
      const offsets = log.appendCandles(events.slice(0, 250));
      // The stop comes during the third turn of the batch the worker reads once it is armed.
      const trigger: { armed: boolean; turns: number; worker?: Worker; stopped?: Promise<void> } = {
        armed: false,
        turns: 0,
      };
      const watched = (market: MarketRef): MarketAnalyzer => {
        const analyzer = newAnalyzer(market);
        const process = analyzer.process.bind(analyzer);
        analyzer.process = (batch, now) => {
          const output = process(batch, now);
          const { worker } = trigger;
          if (trigger.armed && ++trigger.turns === 3 && worker !== undefined)
            trigger.stopped = worker.analysis.stop(() => worker.sink.drained());
          return output;
        };
        return analyzer;
      };
      const first = startWorker(log, new FakeHistory(), 'w1', { batchSize: 500 }, watched);
      trigger.worker = first;
      await first.ownership.acquire();
      await eventually(() => publishedAt(log) === offsets[249], 'w1 to commit 250 candles');
      await first.sink.drained();
      trigger.armed = true;
      // 170 candles in one batch (batchSize 500): it reads them all, and is stopped three turns in.
      offsets.push(...log.appendCandles(events.slice(250)));
      await eventually(() => trigger.stopped !== undefined, 'the stop to come');
      await trigger.stopped;

      // Up to the last candle of its third turn: committed, stored, snapshotted; no further.
      const cut = offsets[250 + 3 * CANDLES_PER_TURN - 1] ?? '';
      expect(trigger.turns).toBe(3);
      expect(publishedAt(log)).toBe(cut);
      expect(storedAt(log)).toBe(cut);
      expect(first.snapshots.saved.get(ID)?.offset).toBe(cut);
      expect(log.leases.get(ID)).toBeUndefined();
      const expected = reference(events);
      const upToCut = new Set(
        events.slice(0, 250 + 3 * CANDLES_PER_TURN).map((e) => `${e.timeframe}@${e.candle.timestamp}`),
      );
      const byFirst = updates(log.messages('w1')).map(streamOf);
      // Some of them from the batch it was stopped in.
      const inBatch = events
        .slice(250, 250 + 3 * CANDLES_PER_TURN)
        .map((e) => `${e.timeframe}@${e.candle.timestamp}`);
      expect(byFirst.filter((stream) => inBatch.includes(stream)).length).toBeGreaterThan(10);
      expect(byFirst).toEqual([...expected.keys()].filter((stream) => upToCut.has(stream)));
      expect(first.sink.results().map(compact)).toEqual(
        [...expected.values()].filter((r) => upToCut.has(streamOf(r))).map(compact),
      );

      // The next owner restores the snapshot at the cut and analyses the rest of that batch.
      const second = startWorker(log, new FakeHistory(), 'w2');
      await second.ownership.acquire();
      await eventually(() => publishedAt(log) === offsets.at(-1), 'w2 to commit the rest');
      expect(second.logger.lines.join('\n')).toContain(
        `restored the snapshot at ${cut} and replayed 0 log entries`,
      );
      const firstCommit = log.commits.find((c) => c.owner === 'w2');
      expect(compareOffsets(checkpointOf(firstCommit?.checkpoint).offset, cut)).toBeGreaterThan(0);
      // Between them, every result of an unbroken run, each published once.
      expect(updates(log.messages()).map(compactOf)).toEqual([...expected.values()].map(compact));
    },
    TEST_TIMEOUT,
  );
});
