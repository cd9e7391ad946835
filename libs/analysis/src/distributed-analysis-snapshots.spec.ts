import { setTimeout as delay } from 'node:timers/promises';
import { describe, expect, it } from '@jest/globals';
import { MarketEventName } from '@app/contracts';
import { type ConfluenceResult, ResultFormatter } from '@app/confluence';
import { eventually } from '@app/testing';
import type { MarketSnapshot } from './analysis.types.js';
import {
  btc1m,
  FakeHistory,
  NOW,
  newAnalyzer,
  oneMinute,
  publishedAt,
  reference,
  storedAt,
  TEST_TIMEOUT,
  timeline,
  updates,
  workerPool,
} from './testing/distributed-kit.js';
import { FakeMarketLog, ID, MARKET } from './testing/fake-market-log.js';

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

  it(
    'saves no snapshot once a stored checkpoint is refused for the lease, drops the market, and the next owner restores exactly',
    async () => {
      const log = new FakeMarketLog();
      const history = new FakeHistory();
      const events = timeline(500);
      const offsets = log.appendCandles(events.slice(0, 300));
      const first = startWorker(log, history, 'w1', SHORT_REBUILD);
      await first.ownership.acquire();
      await eventually(() => publishedAt(log) === offsets[299], 'w1 to commit 300 candles');
      await first.sink.drained();
      await eventually(() => storedAt(log) === offsets[299], 'w1 to store them');
      // The store slows down (a loaded machine): w1 goes on committing past the snapshot interval.
      first.sink.writing = false;
      const more = log.appendCandles(events.slice(300, 360));
      offsets.push(...more);
      await eventually(() => publishedAt(log) === offsets.at(-1), 'w1 to commit 60 more');
      // Meanwhile its lease lapses and w2 holds it, before w1's held writes reach the store.
      log.leases.set(ID, 'w2');
      await first.sink.release();

      const late = log.storedCalls.filter((call) => more.includes(call.offset));
      expect(late.map((call) => call.outcome)).toEqual(late.map(() => 'lease-lost'));
      expect(late.length).toBeGreaterThan(0);
      // A snapshot past the stored checkpoint would replace the usable one (one per market).
      const saved = first.snapshots.saved.get(ID);
      expect(offsets.slice(0, 300)).toContain(saved?.offset);
      // The market is no longer w1's: dropped, and nothing more read or committed for it.
      expect(first.analysis.status().markets).toEqual([]);
      expect(first.logger.lines).toContain(
        `warn ${ID}: lease lost, stored checkpoint and snapshot not saved (the new owner redoes it)`,
      );
      const commits = log.commits.length;
      offsets.push(...log.appendCandles(events.slice(360)));
      await delay(50);
      expect(log.commits.length).toBe(commits);

      const second = startWorker(log, history, 'w2', SHORT_REBUILD);
      await second.ownership.acquire();
      await eventually(() => publishedAt(log) === offsets.at(-1), 'w2 to commit the rest');
      expect(second.logger.lines).toContainEqual(
        expect.stringContaining(`acquired; restored the snapshot at ${saved?.offset}`),
      );
      expect(second.logger.lines.filter((l) => l.startsWith('warn'))).toEqual([]);
      expect(second.analysis.status()).toMatchObject({ restores: 1, rebuilds: 0 });
      expect(updates(log.messages()).map(full)).toEqual(expectedOf(events));
    },
    TEST_TIMEOUT,
  );

  it(
    'saves no snapshot past its stored checkpoint when its commit and stored checkpoint are both fenced off',
    async () => {
      const log = new FakeMarketLog();
      const events = timeline(400);
      const offsets = log.appendCandles(events.slice(0, 300));
      const first = startWorker(log, new FakeHistory(), 'w1', SHORT_REBUILD);
      await first.ownership.acquire();
      await eventually(() => publishedAt(log) === offsets[299], 'w1 to commit 300 candles');
      await first.sink.drained();
      await eventually(() => storedAt(log) === offsets[299], 'w1 to store them');
      // The lease lapses (a stalled event loop, a Redis hiccup) and another worker holds it, while
      // w1 goes on with a batch past the snapshot interval.
      log.leases.set(ID, 'w2');
      const more = log.appendCandles(events.slice(300, 360));
      await eventually(
        () => log.storedCalls.some((call) => call.owner === 'w1' && call.outcome === 'lease-lost'),
        'w1 to try to store past the lease',
      );
      await first.sink.drained();
      const saved = first.snapshots.saved.get(ID);
      expect({ savedPastTheLease: more.includes(saved?.offset ?? '') }).toEqual({ savedPastTheLease: false });
      expect(offsets.slice(0, 300)).toContain(saved?.offset);
      expect(first.analysis.status()).toMatchObject({ markets: [], lostCommits: 1 });
    },
    TEST_TIMEOUT,
  );

  it(
    'saves its snapshot when re-storing at or before the stored checkpoint after a rebuild: a late owner restores it',
    async () => {
      const log = new FakeMarketLog();
      const history = new FakeHistory();
      const events = oneMinute(0, 300);
      const offsets = log.appendCandles(events);
      history.candles.set('1m', btc1m.slice(0, 300));
      // A previous owner stored up to candle 300 but published only up to 250 (a commit failed),
      // and left no snapshot: the next owner rebuilds at 250 and re-analyses up to 300.
      const prior = newAnalyzer(MARKET);
      const feed = (from: number, to: number) =>
        prior.process(
          events.slice(from, to).map((payload) => ({ name: MarketEventName.CandleClosed, payload })),
          NOW,
        );
      feed(0, 250);
      log.published.set(ID, JSON.stringify({ offset: offsets[249], ...prior.state() }));
      feed(250, 300);
      const stored = JSON.stringify({ offset: offsets[299], ...prior.state() });
      log.stored.set(ID, stored);

      const first = startWorker(log, history, 'w1', SHORT_REBUILD);
      await first.ownership.acquire();
      await eventually(() => publishedAt(log) === offsets[299], 'w1 to commit up to 300');
      await first.sink.drained();
      expect(first.analysis.status()).toMatchObject({ restores: 0, rebuilds: 1 });
      // Its stored checkpoints were not newer (refused for that, not for the lease) ...
      const calls = log.storedCalls.filter((call) => call.owner === 'w1');
      expect(calls.length).toBeGreaterThan(0);
      expect(calls.map((call) => call.outcome)).toEqual(calls.map(() => 'not-newer'));
      expect(log.stored.get(ID)).toBe(stored);
      // ... and its periodic snapshot was saved all the same: it is at or before the checkpoint.
      const periodic = first.snapshots.saved.get(ID) as MarketSnapshot;
      expect(offsets.slice(250, 300)).toContain(periodic.offset);
      expect(first.analysis.status().markets).toEqual([
        { market: ID, offset: offsets[299], repairing: false },
      ]);
      // The crash: the periodic snapshot is the newest there is (the clean stop's is dropped).
      await stopWorker(first);
      first.snapshots.saved.set(ID, periodic);

      const late = startWorker(log, new FakeHistory(), 'w2', SHORT_REBUILD);
      await late.ownership.acquire();
      await eventually(() => late.analysis.status().takeovers === 1, 'w2 to take the market over');
      expect(late.logger.lines).toContainEqual(
        expect.stringContaining(`acquired; restored the snapshot at ${periodic.offset}`),
      );
      expect(late.analysis.status()).toMatchObject({ restores: 1, rebuilds: 0 });
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
