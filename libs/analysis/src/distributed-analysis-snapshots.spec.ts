import { describe, expect, it } from '@jest/globals';
import { type ConfluenceResult, ResultFormatter } from '@app/confluence';
import { eventually } from '@app/testing';
import type { MarketSnapshot } from './analysis.types.js';
import {
  FakeHistory,
  publishedAt,
  reference,
  storedAt,
  TEST_TIMEOUT,
  timeline,
  updates,
  workerPool,
} from './testing/distributed-kit.js';
import { FakeMarketLog, ID } from './testing/fake-market-log.js';

/**
 * DistributedAnalysis with engine snapshots: a new owner restores the newest snapshot and replays
 * the log after it, so its results equal an unbroken run's however long the history behind them
 * (VWAP since midnight, OBV and A/D origins, EMA seeds, the input fingerprint), while a rebuild
 * from a window of stored candles cannot. Every other way is a logged, counted fallback.
 */

/** Every field a subscriber and the store see, per stream and candle. */
const full = (
  r: Pick<
    ConfluenceResult,
    'timeframe' | 'candleTime' | 'score' | 'label' | 'confidence' | 'inputHash' | 'configHash'
  >,
) => ({
  stream: `${r.timeframe}@${r.candleTime}`,
  score: r.score,
  label: r.label,
  confidence: r.confidence,
  inputHash: r.inputHash,
  configHash: r.configHash,
});

/** The unbroken run's results as published (rounded by the formatter as every update is). */
const expectedOf = (events: Parameters<typeof reference>[0]) => {
  const formatter = new ResultFormatter();
  return [...reference(events).values()].map((r) => full({ ...r, ...formatter.compact(r) }));
};

/** A short rebuild window: a takeover that fell back to it would not match an unbroken run. */
const SHORT_REBUILD = { rebuildCandles: 60, snapshotEveryCandles: 25 };

describe('DistributedAnalysis takeovers from snapshots', () => {
  const { startWorker, stopWorker } = workerPool();

  it(
    'after a crash, restores the newest snapshot, replays the log after it and matches an unbroken run',
    async () => {
      const log = new FakeMarketLog();
      const history = new FakeHistory();
      const events = timeline(700);
      const offsets = log.appendCandles(events.slice(0, 500));
      const first = startWorker(log, history, 'w1', SHORT_REBUILD);
      await first.ownership.acquire();
      await eventually(() => publishedAt(log) === offsets[499], 'w1 to commit 500 candles');
      await first.sink.drained();
      await eventually(() => storedAt(log) === offsets[499], 'w1 to store them');
      // The crash: the periodic snapshot is the newest there is (the clean stop's is dropped).
      const periodic = first.snapshots.saved.get(ID);
      expect(periodic?.offset).toBeDefined();
      await stopWorker(first);
      first.snapshots.saved.set(ID, periodic as MarketSnapshot);
      offsets.push(...log.appendCandles(events.slice(500)));

      const second = startWorker(log, history, 'w2', SHORT_REBUILD);
      await second.ownership.acquire();
      await eventually(() => publishedAt(log) === offsets.at(-1), 'w2 to commit the rest');

      const replayed = offsets.indexOf(offsets[499]!) - offsets.indexOf(periodic!.offset!);
      expect(second.logger.lines).toContainEqual(
        `log ${ID}: acquired; restored the snapshot at ${periodic!.offset} and replayed ${replayed} log entries, reading after ${offsets[499]}`,
      );
      expect(replayed).toBeLessThanOrEqual(SHORT_REBUILD.snapshotEveryCandles + 5);
      // No stored candle was needed, and nothing was warned about.
      expect(history.calls).toEqual([]);
      expect(second.logger.lines.filter((l) => l.startsWith('warn'))).toEqual([]);
      expect(second.analysis.status()).toMatchObject({ takeovers: 1, restores: 1, rebuilds: 0 });
      // Published results, field by field, equal an unbroken run over the same candles.
      expect(updates(log.messages()).map(full)).toEqual(expectedOf(events));
    },
    TEST_TIMEOUT,
  );

  it(
    'saves a snapshot on a clean stop: the next owner replays nothing',
    async () => {
      const log = new FakeMarketLog();
      const events = timeline(400);
      const offsets = log.appendCandles(events.slice(0, 300));
      const first = startWorker(log, new FakeHistory(), 'w1', SHORT_REBUILD);
      await first.ownership.acquire();
      await eventually(() => publishedAt(log) === offsets[299], 'w1 to commit 300 candles');
      await stopWorker(first);
      expect(first.snapshots.saved.get(ID)?.offset).toBe(offsets[299]);
      offsets.push(...log.appendCandles(events.slice(300)));

      const second = startWorker(log, new FakeHistory(), 'w2', SHORT_REBUILD);
      await second.ownership.acquire();
      await eventually(() => publishedAt(log) === offsets.at(-1), 'w2 to commit the rest');
      expect(second.logger.lines.join('\n')).toContain(
        `restored the snapshot at ${offsets[299]} and replayed 0 log entries`,
      );
      expect(updates(log.messages()).map(full)).toEqual(expectedOf(events));
    },
    TEST_TIMEOUT,
  );

  it.each([
    [
      'of another configuration',
      (snapshot: MarketSnapshot): MarketSnapshot => ({
        ...snapshot,
        data: JSON.stringify({ ...(JSON.parse(snapshot.data) as object), configHash: 'f'.repeat(64) }),
      }),
      () => undefined,
      /refused: .*config/,
    ],
    [
      'not JSON',
      (snapshot: MarketSnapshot): MarketSnapshot => ({ ...snapshot, data: snapshot.data.slice(0, 100) }),
      () => undefined,
      /is not JSON/,
    ],
    [
      'older than what the log still holds',
      (snapshot: MarketSnapshot): MarketSnapshot => snapshot,
      (log: FakeMarketLog, snapshot: MarketSnapshot) => {
        // The stream was trimmed up to just after the snapshot's own entry.
        log.trimmedBefore = `${Number(snapshot.offset?.split('-')[0]) + 1}-0`;
      },
      /the log no longer holds the entries after the snapshot/,
    ],
  ])(
    'falls back to the stored candles, warning why, when the snapshot is %s',
    async (_what, spoil, trim, why) => {
      const log = new FakeMarketLog();
      const history = new FakeHistory();
      const events = timeline(360);
      // 310: the last batch (10) is below the snapshot interval, so the newest snapshot is older.
      const offsets = log.appendCandles(events.slice(0, 310));
      const first = startWorker(log, history, 'w1', { snapshotEveryCandles: 25 });
      await first.ownership.acquire();
      await eventually(() => publishedAt(log) === offsets[309], 'w1 to commit 310 candles');
      await first.sink.drained();
      await eventually(() => storedAt(log) === offsets[309], 'w1 to store them');
      const periodic = first.snapshots.saved.get(ID) as MarketSnapshot;
      await stopWorker(first);
      first.snapshots.saved.set(ID, spoil(periodic));
      trim(log, periodic);
      // market-data stored every candle: the fallback rebuilds from all of them (10,000 allowed).
      for (const timeframe of ['1m', '5m'] as const)
        history.candles.set(
          timeframe,
          events.filter((e) => e.timeframe === timeframe).map((e) => e.candle),
        );
      offsets.push(...log.appendCandles(events.slice(310)));

      const second = startWorker(log, history, 'w2');
      await second.ownership.acquire();
      await eventually(() => publishedAt(log) === offsets.at(-1), 'w2 to commit the rest');
      const warnings = second.logger.lines.filter((l) => l.startsWith('warn'));
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatch(why);
      expect(warnings[0]).toMatch(/rebuilt from \d+ stored candle\(s\) instead/);
      expect(second.analysis.status()).toMatchObject({ takeovers: 1, restores: 0, rebuilds: 1 });
    },
    TEST_TIMEOUT,
  );
});
