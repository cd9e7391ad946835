import { describe, expect, it } from '@jest/globals';
import { InProcessEventBus } from '@app/bus';
import { ResultFormatter } from '@app/confluence';
import { MarketEventName } from '@app/contracts';
import { changedResults } from './analysis-output.js';
import { LocalAnalysis } from './local-analysis.js';
import {
  FakeSnapshotStore,
  NOW,
  newAnalyzer,
  RecordingLogger,
  reference,
  timeline,
} from './testing/distributed-kit.js';
import type { CandleData } from './testing/fake-market-log.js';

/**
 * Local mode across a restart over a persistent store: the analysis saves each market's snapshot
 * and, started again, restores it, so the candles a resumed feed delivers after the restart give
 * exactly what an unbroken run gives (not a fresh warm-up).
 */

function run(snapshots: FakeSnapshotStore, every = 25) {
  const logger = new RecordingLogger();
  const bus = new InProcessEventBus(logger);
  const results: { stream: string; score: number; label: string; inputHash: string }[] = [];
  const analysis = new LocalAnalysis({
    bus,
    sink: {
      store: (_output, after) => {
        void after?.();
        return true;
      },
      publish: async (output) => {
        await Promise.resolve();
        const formatter = new ResultFormatter();
        for (const { result } of output.updates) {
          const c = formatter.compact(result);
          results.push({
            stream: `${result.timeframe}@${result.candleTime}`,
            score: c.score,
            label: c.label,
            inputHash: c.inputHash,
          });
        }
      },
    },
    createAnalyzer: newAnalyzer,
    now: () => NOW,
    logger,
    logUpdates: false,
    snapshots,
    snapshotEveryCandles: every,
  });
  analysis.start();
  const feed = async (events: readonly CandleData[]): Promise<void> => {
    for (const payload of events) await bus.publish(MarketEventName.CandleClosed, payload);
  };
  return { analysis, feed, results, logger };
}

const expected = (events: readonly CandleData[], after: number) => {
  const formatter = new ResultFormatter();
  return [...reference(events).values()]
    .filter((r) => r.candleTime + (r.timeframe === '1m' ? 60_000 : 300_000) > after)
    .map((r) => {
      const c = formatter.compact(r);
      return {
        stream: `${r.timeframe}@${r.candleTime}`,
        score: c.score,
        label: c.label,
        inputHash: c.inputHash,
      };
    });
};

describe('LocalAnalysis across a restart', () => {
  it('restores each market from its snapshot and continues exactly as an unbroken run', async () => {
    const snapshots = new FakeSnapshotStore();
    const events = timeline(600);
    const first = run(snapshots);
    await first.feed(events.slice(0, 400));
    first.analysis.stop();
    await first.analysis.saveSnapshots();

    // The restarted feed resumes after the last stored candle: no warm-up before it.
    const second = run(snapshots);
    const rest = events.slice(400);
    await second.feed(rest);
    expect(second.logger.lines.filter((l) => l.startsWith('warn'))).toEqual([]);
    expect(second.logger.lines.some((l) => l.includes('restored from its snapshot (1m up to'))).toBe(true);
    const cut = events[399]!.emittedAt;
    expect(second.results).toEqual(expected(events, cut));
    expect(second.results.length).toBeGreaterThan(150);
  });

  it('without a snapshot, the restarted analysis warms up again (what restoring avoids)', async () => {
    const events = timeline(600);
    const second = run(new FakeSnapshotStore());
    await second.feed(events.slice(400));
    expect(second.results.length).toBeLessThan(expected(events, events[399]!.emittedAt).length);
  });

  it('refuses a snapshot of another configuration, says so, and warms up', async () => {
    const snapshots = new FakeSnapshotStore();
    const events = timeline(300);
    const first = run(snapshots);
    await first.feed(events.slice(0, 200));
    first.analysis.stop();
    await first.analysis.saveSnapshots();
    for (const [id, saved] of snapshots.saved)
      snapshots.saved.set(id, {
        ...saved,
        data: JSON.stringify({ ...(JSON.parse(saved.data) as object), configHash: 'f'.repeat(64) }),
      });
    const second = run(snapshots);
    await second.feed(events.slice(200));
    expect(second.logger.lines.filter((l) => l.startsWith('warn'))).toEqual([
      expect.stringMatching(/snapshot refused \(.*config.*\); warming up from new candles/),
    ]);
  });
});

describe('LocalAnalysis tells who listens of each published batch', () => {
  it('hands every label change after a stream’s first label, with the result that made it', async () => {
    const logger = new RecordingLogger();
    const bus = new InProcessEventBus(logger);
    const told: {
      timeframe: string;
      candleTime: number;
      from: string | null;
      to: string;
      inputHash: string;
    }[] = [];
    const analysis = new LocalAnalysis({
      bus,
      sink: { store: () => true, publish: () => Promise.resolve() },
      createAnalyzer: newAnalyzer,
      now: () => NOW,
      logger,
      logUpdates: false,
      published: (output) => {
        for (const { change, update } of changedResults(output))
          told.push({
            timeframe: change.timeframe,
            candleTime: change.time,
            from: change.from,
            to: change.to,
            inputHash: update.result.inputHash,
          });
      },
    });
    analysis.start();
    const events = timeline(400);
    for (const payload of events) await bus.publish(MarketEventName.CandleClosed, payload);

    // The reference: label transitions of an unbroken run, stream by stream, first labels left out.
    const previous = new Map<string, string>();
    const expected: typeof told = [];
    for (const result of reference(events).values()) {
      const before = previous.get(result.timeframe);
      if (before !== undefined && before !== result.label)
        expected.push({
          timeframe: result.timeframe,
          candleTime: result.candleTime,
          from: before,
          to: result.label,
          inputHash: result.inputHash,
        });
      previous.set(result.timeframe, result.label);
    }
    const order = (list: typeof told) =>
      [...list].sort((a, b) => a.candleTime - b.candleTime || a.timeframe.localeCompare(b.timeframe));
    expect(order(told)).toEqual(order(expected));
    expect(told.length).toBeGreaterThan(3);
  });
});
