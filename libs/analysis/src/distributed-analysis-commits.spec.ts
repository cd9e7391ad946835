import { describe, expect, it } from '@jest/globals';
import { compareOffsets, MarketEventName, type Timeframe } from '@app/contracts';
import { validateBusEvent } from '@app/contracts/dto';
import { eventually } from '@app/testing';
import {
  changeLines,
  changes,
  compact,
  compactOf,
  FakeHistory,
  oneMinute,
  publishedAt,
  reference,
  storedAt,
  streamOf,
  TEST_TIMEOUT,
  timeline,
  transitions,
  updates,
  workerPool,
} from './testing/distributed-kit.js';
import { checkpointOf, FakeMarketLog, ID, MARKET } from './testing/fake-market-log.js';

/**
 * DistributedAnalysis reading and committing a market's log: every candle result published once,
 * each commit with its checkpoint; malformed entries counted and skipped; the results of a batch
 * whose commit failed once still published.
 */

describe('DistributedAnalysis commits', () => {
  const { startWorker, stopWorker } = workerPool();

  it(
    'commits every candle result exactly once, each commit with its checkpoint (offset, candles, labels)',
    async () => {
      const log = new FakeMarketLog();
      const events = timeline(500);
      const backlog = events.slice(0, 450);
      const offsets = log.appendCandles(backlog);
      const worker = startWorker(log, new FakeHistory(), 'w1');
      await worker.ownership.acquire();
      await eventually(() => publishedAt(log) === offsets.at(-1), 'the backlog to be committed');
      // Live: entries appended while the worker waits on the log.
      offsets.push(...log.appendCandles(events.slice(450)));
      await eventually(() => publishedAt(log) === offsets.at(-1), 'the new entries to be committed');
      await worker.sink.drained();

      const expected = reference(events);
      const published = updates(log.messages());
      expect(published.every((u) => u.trigger === 'candle')).toBe(true);
      expect(published.map(streamOf).sort()).toEqual([...expected.keys()].sort());
      expect(new Set(published.map(streamOf)).size).toBe(published.length);
      expect(published.map(compactOf)).toEqual([...expected.values()].map(compact));
      // Every published message is a valid bus event.
      for (const m of log.messages())
        expect(validateBusEvent(m.name, JSON.parse(JSON.stringify(m.payload))).ok).toBe(true);
      expect(changeLines(changes(log.messages()))).toEqual(transitions(published));

      // Each commit: the batch's last offset, the last candle per timeframe up to it, the labels then.
      const candleAt = new Map(offsets.map((offset, i) => [offset, events.slice(0, i + 1)]));
      const commits = log.commits.filter((c) => c.accepted);
      expect(log.commits.every((c) => c.accepted && c.owner === 'w1')).toBe(true);
      let previous = '0';
      for (const commit of commits) {
        const checkpoint = checkpointOf(commit.checkpoint);
        expect(compareOffsets(checkpoint.offset, previous)).toBeGreaterThan(0);
        previous = checkpoint.offset;
        const upTo = candleAt.get(checkpoint.offset) ?? [];
        const lastOf = (tf: Timeframe) => upTo.filter((e) => e.timeframe === tf).at(-1)?.candle.timestamp;
        expect(checkpoint.candles).toEqual({ '1m': lastOf('1m'), '5m': lastOf('5m') });
        const results = [...expected.values()].filter((r) =>
          upTo.some((e) => e.timeframe === r.timeframe && e.candle.timestamp === r.candleTime),
        );
        const labelOf = (tf: Timeframe) => results.filter((r) => r.timeframe === tf).at(-1)?.label;
        expect(checkpoint.labels).toEqual(
          JSON.parse(JSON.stringify({ '1m': labelOf('1m'), '5m': labelOf('5m') })),
        );
      }
      expect(previous).toBe(offsets.at(-1));

      // The store got the same results, once each, and its checkpoint followed.
      expect(worker.sink.results().map(compact)).toEqual([...expected.values()].map(compact));
      expect(storedAt(log)).toBe(offsets.at(-1));
      expect(log.stored.get(ID)).toBe(log.published.get(ID));

      const status = worker.analysis.status();
      expect(status).toMatchObject({
        mode: 'distributed',
        workerId: 'w1',
        markets: [{ market: ID, offset: offsets.at(-1), repairing: false }],
        takeovers: 1,
        lostCommits: 0,
      });
      expect(status.counters).toMatchObject({
        candles: events.length,
        results: expected.size,
        refreshes: 0,
        signals: changes(log.messages()).length,
        skippedCandles: 0,
        rejected: 0,
        storeRefused: 0,
      });
      expect(status.lagMs.last).not.toBeNull();
      await stopWorker(worker);
      // Stopping releases the market.
      expect(log.leases.has(ID)).toBe(false);
    },
    TEST_TIMEOUT,
  );

  it(
    'counts a malformed log entry as rejected, skips it and goes on',
    async () => {
      const log = new FakeMarketLog();
      const events = oneMinute(0, 200);
      log.appendCandles(events.slice(0, 120));
      const broken = log.append(MARKET, MarketEventName.CandleClosed, {
        ...events[120]!,
        candle: { ...events[120]!.candle, high: -1 },
      });
      const unknown = log.append(MARKET, 'market.weather.report', { sunny: true });
      log.appendCandles(events.slice(120, 200));
      // A duplicate candle is valid on the log but the engine refuses it: counted as skipped.
      log.appendCandles([events[150]!]);
      const last = log.append(MARKET, MarketEventName.OrderBookSnapshot, { ...MARKET, bids: 'none' });

      const worker = startWorker(log, new FakeHistory(), 'w1');
      await worker.ownership.acquire();
      await eventually(() => publishedAt(log) === last, 'the log to be read to its end');
      const status = worker.analysis.status();
      expect(status.counters).toMatchObject({ rejected: 3, candles: 200, skippedCandles: 1 });
      const warnings = worker.logger.lines.filter((l) => l.startsWith('warn'));
      expect(warnings).toHaveLength(3);
      expect(warnings[0]).toContain(`rejected log entry ${broken} (market.candle.closed)`);
      expect(warnings[0]).toContain('candle.high');
      expect(warnings[1]).toContain(`rejected log entry ${unknown} (market.weather.report)`);
      const expected = reference(events);
      expect(updates(log.messages()).map(compactOf)).toEqual([...expected.values()].map(compact));
      expect(status.markets).toEqual([{ market: ID, offset: last, repairing: false }]);
    },
    TEST_TIMEOUT,
  );

  it(
    'still publishes a batch’s results when its commit failed once (the log was unreachable)',
    async () => {
      const log = new FakeMarketLog();
      const events = oneMinute(0, 300);
      const offsets = log.appendCandles(events.slice(0, 200));
      const worker = startWorker(log, new FakeHistory(), 'w1');
      await worker.ownership.acquire();
      await eventually(() => publishedAt(log) === offsets[199], 'the first 200 candles to be committed');
      log.failingCommits = 1;
      offsets.push(...log.appendCandles(events.slice(200)));
      await eventually(() => publishedAt(log) === offsets.at(-1), 'the rest to be committed');
      expect(log.failingCommits).toBe(0);
      expect(worker.logger.lines.some((l) => l.includes('ECONNREFUSED'))).toBe(true);
      const expected = reference(events);
      const published = updates(log.messages()).map(streamOf);
      const missing = [...expected.keys()].filter((stream) => !published.includes(stream));
      expect({ missing: missing.length, first: missing.slice(0, 3) }).toEqual({ missing: 0, first: [] });
      expect(updates(log.messages()).map(compactOf)).toEqual([...expected.values()].map(compact));
    },
    TEST_TIMEOUT,
  );
});
