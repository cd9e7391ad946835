import { afterEach, expect } from '@jest/globals';
import { type Candle, type ConfluenceResult, ResultFormatter } from '@app/confluence';
import { AnalysisEventName, compareOffsets, MarketEventName, marketId, timeframeToMs } from '@app/contracts';
import { loadMarketCandles, MARKET_FILES } from '@app/testing';
import type {
  AnalysisOutput,
  AnalysisSink,
  CandleHistory,
  MarketSnapshot,
  SnapshotStore,
} from '../analysis.types.js';
import { DistributedAnalysis } from '../distributed-analysis.js';
import type {
  DistributedAnalysisSettings,
  MarketOwnership,
  OwnershipCallbacks,
} from '../distributed-analysis.types.js';

import { MarketAnalyzer } from '../market-analyzer.js';
import { newEngine, REFRESH_MS } from './analyzer-kit.js';
import {
  type CandleData,
  candleData,
  checkpointOf,
  type FakeMarketLog,
  ID,
  MARKET,
} from './fake-market-log.js';
import type { LogSink, AnalysisMessage, MarketRef, Signal, Timeframe } from '@app/contracts';
import type { BusEventData } from '@app/contracts/dto';

/**
 * Helpers of the distributed-analysis-*.spec.ts suites: workers of one market over the in-memory
 * market log, with a fake store, leases the test drives, and the results an unbroken analyzer
 * gives for the same candles.
 */

const formatter = new ResultFormatter();
export const NOW = 1_700_000_000_000;
/** Above the 60 s deadline of `eventually`, so a wait that never ends fails naming what it awaited. */
export const TEST_TIMEOUT = 120_000;

export const btc1m = loadMarketCandles(MARKET_FILES.btc1m, 600);
const btc5m = loadMarketCandles(MARKET_FILES.btc5m, 120);

export const newAnalyzer = (market: MarketRef): MarketAnalyzer =>
  new MarketAnalyzer(market, newEngine(), { refreshIntervalMs: REFRESH_MS });

/** The store's write path: records candle results and label changes, runs `after` in order once "written". */
export class FakeSink implements AnalysisSink {
  writing = true;
  readonly outputs: AnalysisOutput[] = [];
  readonly #held: (() => Promise<void>)[] = [];
  #chain: Promise<void> = Promise.resolve();

  store(output: AnalysisOutput, after?: () => Promise<void>): boolean {
    this.outputs.push(output);
    if (after !== undefined) {
      if (this.writing) this.#run(after);
      else this.#held.push(after);
    }
    return true;
  }

  publish(): Promise<void> {
    return Promise.reject(new Error('the distributed worker publishes through its commits only'));
  }

  /** Writes what was held back (the store is back). */
  async release(): Promise<void> {
    for (const after of this.#held.splice(0)) this.#run(after);
    await this.#chain;
  }

  async drained(): Promise<void> {
    await this.#chain;
  }

  results(): ConfluenceResult[] {
    return this.outputs.flatMap((o) => o.updates.filter((u) => u.trigger === 'candle').map((u) => u.result));
  }

  #run(after: () => Promise<void>): void {
    this.#chain = this.#chain.then(after);
  }
}

/** Market leases, driven by the test: acquiring sets the lease, then awaits the worker's callback. */
export class FakeOwnership implements MarketOwnership {
  started = false;

  constructor(
    private readonly log: FakeMarketLog,
    private readonly workerId: string,
    private readonly callbacks: OwnershipCallbacks,
  ) {}

  start(): void {
    this.started = true;
  }

  async stop(options?: { release?: boolean }): Promise<void> {
    await Promise.resolve();
    if (options?.release !== true) return;
    for (const [id, owner] of this.log.leases) if (owner === this.workerId) this.log.leases.delete(id);
  }

  holds(market: MarketRef): boolean {
    return this.log.leases.get(marketId(market)) === this.workerId;
  }

  async acquire(market: MarketRef = MARKET): Promise<void> {
    this.log.leases.set(marketId(market), this.workerId);
    await this.callbacks.onAcquired(market);
  }

  async lose(market: MarketRef = MARKET, reason = 'rebalanced'): Promise<void> {
    await this.callbacks.onLost(market, reason);
    if (this.holds(market)) this.log.leases.delete(marketId(market));
  }
}

export class FakeHistory implements CandleHistory {
  readonly candles = new Map<Timeframe, Candle[]>();
  readonly calls: { timeframe: Timeframe; until: number; count: number }[] = [];

  async candlesUntil(
    market: MarketRef,
    timeframe: Timeframe,
    until: number,
    count: number,
  ): Promise<Candle[]> {
    await Promise.resolve();
    expect(market).toEqual(MARKET);
    this.calls.push({ timeframe, until, count });
    return (this.candles.get(timeframe) ?? [])
      .filter((c) => c.timestamp <= until)
      .slice(-count)
      .map((c) => ({ ...c }));
  }
}

export class RecordingLogger implements LogSink {
  readonly lines: string[] = [];
  log(message: string): void {
    this.lines.push(`log ${message}`);
  }
  warn(message: string): void {
    this.lines.push(`warn ${message}`);
  }
  error(message: string): void {
    this.lines.push(`error ${message}`);
  }
}

/** The store's snapshot collection in memory: the newest per market, never replaced by an older one. */
export class FakeSnapshotStore implements SnapshotStore {
  readonly saved = new Map<string, MarketSnapshot>();
  readonly refused: MarketSnapshot[] = [];

  async load(market: MarketRef): Promise<MarketSnapshot | null> {
    await Promise.resolve();
    return this.saved.get(marketId(market)) ?? null;
  }

  async save(snapshot: MarketSnapshot): Promise<boolean> {
    await Promise.resolve();
    const id = marketId(snapshot);
    const current = this.saved.get(id);
    if (
      current?.offset != null &&
      snapshot.offset !== null &&
      compareOffsets(snapshot.offset, current.offset) < 0
    ) {
      this.refused.push(snapshot);
      return false;
    }
    this.saved.set(id, snapshot);
    return true;
  }
}

export interface Worker {
  readonly analysis: DistributedAnalysis;
  readonly ownership: FakeOwnership;
  readonly sink: FakeSink;
  readonly logger: RecordingLogger;
  readonly snapshots: FakeSnapshotStore;
}

export interface WorkerPool {
  startWorker(
    log: FakeMarketLog,
    history: CandleHistory,
    workerId: string,
    overrides?: Partial<DistributedAnalysisSettings>,
    /** The analyzers it creates (a test may watch or time what they do); newAnalyzer by default. */
    createAnalyzer?: (market: MarketRef) => MarketAnalyzer,
  ): Worker;
  stopWorker(worker: Worker): Promise<void>;
}

/** Starts workers for the tests of one describe block; whatever a test left running is stopped after it. */
export function workerPool(): WorkerPool {
  const running: DistributedAnalysis[] = [];
  // One snapshot store per log: the workers of a test share it, as they share the real store.
  const stores = new Map<FakeMarketLog, FakeSnapshotStore>();

  afterEach(async () => {
    for (const analysis of running.splice(0)) await analysis.stop();
    stores.clear();
  });

  function startWorker(
    log: FakeMarketLog,
    history: CandleHistory,
    workerId: string,
    overrides: Partial<DistributedAnalysisSettings> = {},
    createAnalyzer: (market: MarketRef) => MarketAnalyzer = newAnalyzer,
  ): Worker {
    const settings: DistributedAnalysisSettings = {
      workerId,
      batchSize: 50,
      blockMs: 5,
      // Rebuilds from every stored candle, so a takeover continues exactly as an unbroken run.
      rebuildCandles: 10_000,
      snapshotEveryCandles: 20,
      timeframesOf: () => ['1m', '5m'],
      logUpdates: false,
      ...overrides,
    };
    const sink = new FakeSink();
    const logger = new RecordingLogger();
    const holder: { ownership?: FakeOwnership } = {};
    const snapshots = stores.get(log) ?? new FakeSnapshotStore();
    stores.set(log, snapshots);
    const analysis = new DistributedAnalysis(settings, {
      log,
      snapshots,
      ownership: (callbacks) => (holder.ownership = new FakeOwnership(log, workerId, callbacks)),
      history,
      sink,
      formatter,
      createAnalyzer,
      now: () => NOW,
      logger,
    });
    if (holder.ownership === undefined) throw new Error('the worker did not create its ownership');
    analysis.start();
    running.push(analysis);
    expect(holder.ownership.started).toBe(true);
    return { analysis, ownership: holder.ownership, sink, logger, snapshots };
  }

  async function stopWorker(worker: Worker): Promise<void> {
    const index = running.indexOf(worker.analysis);
    if (index >= 0) running.splice(index, 1);
    await worker.analysis.stop();
  }

  return { startWorker, stopWorker };
}

export const publishedAt = (log: FakeMarketLog): string | null => {
  const json = log.published.get(ID);
  return json === undefined ? null : checkpointOf(json).offset;
};
export const storedAt = (log: FakeMarketLog): string | null => {
  const json = log.stored.get(ID);
  return json === undefined ? null : checkpointOf(json).offset;
};

type Updated = BusEventData<typeof AnalysisEventName.ConfluenceUpdated>;
type Changed = BusEventData<typeof AnalysisEventName.SignalChanged>;

export const updates = (messages: readonly AnalysisMessage[]): Updated[] =>
  messages.flatMap((m) => (m.name === AnalysisEventName.ConfluenceUpdated ? [m.payload] : []));
export const changes = (messages: readonly AnalysisMessage[]): Changed[] =>
  messages.flatMap((m) => (m.name === AnalysisEventName.SignalChanged ? [m.payload] : []));
export const streamOf = (e: { timeframe: Timeframe; candleTime: number }): string =>
  `${e.timeframe}@${e.candleTime}`;

/** The candle results of an unbroken analyzer fed the same candles, by stream and candle time. */
export function reference(events: readonly CandleData[]): Map<string, ConfluenceResult> {
  const analyzer = newAnalyzer(MARKET);
  const results = new Map<string, ConfluenceResult>();
  for (const payload of events) {
    const output = analyzer.process([{ name: MarketEventName.CandleClosed, payload }], NOW);
    for (const u of output.updates) results.set(streamOf(u.result), u.result);
  }
  return results;
}

/** Label transitions per timeframe of a sequence of results (the first from null). */
export function transitions(
  results: readonly { timeframe: Timeframe; candleTime: number; label: Signal }[],
): string[] {
  const last = new Map<Timeframe, Signal>();
  const out: string[] = [];
  for (const r of results) {
    const from = last.get(r.timeframe) ?? null;
    if (from !== r.label) out.push(`${r.timeframe}@${r.candleTime} ${from} → ${r.label}`);
    last.set(r.timeframe, r.label);
  }
  return out;
}
export const changeLines = (list: readonly Changed[]): string[] =>
  list.map((c) => `${c.timeframe}@${c.time} ${c.from} → ${c.to}`);

export const compact = (r: ConfluenceResult) => {
  const c = formatter.compact(r);
  return { stream: streamOf(r), score: c.score, label: c.label, inputHash: c.inputHash };
};
export const compactOf = (u: Updated) => ({
  stream: streamOf(u),
  score: u.score,
  label: u.label,
  inputHash: u.inputHash,
});

/** 1m and 5m candles in the order they close (the 1m first on a tie). */
export function timeline(minutes: number): CandleData[] {
  const events = [
    ...btc1m.slice(0, minutes).map((c) => candleData('1m', c)),
    ...btc5m.slice(0, Math.floor(minutes / 5)).map((c) => candleData('5m', c)),
  ];
  return events.sort(
    (a, b) => a.emittedAt - b.emittedAt || timeframeToMs(a.timeframe) - timeframeToMs(b.timeframe),
  );
}

export const oneMinute = (from: number, to: number): CandleData[] =>
  btc1m.slice(from, to).map((c) => candleData('1m', c));
