import { setTimeout as delay } from 'node:timers/promises';
import { afterEach, describe, expect, it } from '@jest/globals';
import { loadConfig } from '@app/config';
import { type Candle, type ConfluenceResult, createConfluenceEngine, ResultFormatter } from '@app/confluence';
import {
  type AnalysisMessage,
  AnalysisEventName,
  type BusEventData,
  type CandleClosedEvent,
  compareOffsets,
  DataSource,
  type EventData,
  isMarketEventName,
  type LogBatch,
  type LoggedMarketEvent,
  MarketEventLog,
  MarketEventName,
  type MarketRef,
  marketId,
  type RejectedLogEntry,
  type Signal,
  type Timeframe,
  timeframeToMs,
  validateBusEvent,
} from '@app/contracts';
import { loadMarketCandles, MARKET_FILES, PROJECT_CONFIG_DIR } from '@app/testing';
import type { AnalysisOutput, AnalysisSink, AnalyzerState, CandleHistory } from './analysis.types.js';
import {
  DistributedAnalysis,
  type DistributedAnalysisSettings,
  type MarketOwnership,
  type OwnershipCallbacks,
} from './distributed-analysis.js';
import type { AnalysisLogger } from './local-analysis.js';
import { MarketAnalyzer } from './market-analyzer.js';

const config = loadConfig({ env: { CONFIG_DIR: PROJECT_CONFIG_DIR } });
const formatter = new ResultFormatter();
const MARKET: MarketRef = { exchange: 'binance', symbol: 'BTC/USDT' };
const ID = marketId(MARKET);
const NOW = 1_700_000_000_000;
const TEST_TIMEOUT = 60_000;

const btc1m = loadMarketCandles(MARKET_FILES.btc1m, 600);
const btc5m = loadMarketCandles(MARKET_FILES.btc5m, 120);

const newAnalyzer = (market: MarketRef): MarketAnalyzer =>
  new MarketAnalyzer(
    market,
    createConfluenceEngine({ indicators: config.indicators, weights: config.weights }),
    {
      refreshIntervalMs: 5_000,
    },
  );

type CandleData = EventData<CandleClosedEvent>;

function candleData(timeframe: Timeframe, candle: Candle): CandleData {
  return {
    ...MARKET,
    timeframe,
    source: DataSource.Replay,
    emittedAt: candle.timestamp + timeframeToMs(timeframe),
    candle: { ...candle },
  };
}

interface RawEntry {
  readonly offset: string;
  readonly name: string;
  readonly payload: unknown;
}

interface CommitCall {
  readonly market: string;
  readonly owner: string;
  readonly checkpoint: string;
  readonly events: readonly AnalysisMessage[];
  readonly accepted: boolean;
}

interface Checkpoint extends AnalyzerState {
  readonly offset: string;
}

/**
 * The Redis market log in memory: per-market ordered entries (`1-0`, `2-0`, …), validated on
 * read, a blocking read woken by appends, and commits / stored checkpoints fenced by a lease table.
 */
class FakeMarketLog extends MarketEventLog {
  readonly entries = new Map<string, RawEntry[]>();
  readonly leases = new Map<string, string>();
  readonly published = new Map<string, string>();
  readonly stored = new Map<string, string>();
  readonly commits: CommitCall[] = [];
  readonly storedCalls: { owner: string; offset: string; accepted: boolean }[] = [];
  /** Commits that fail with an error (Redis unreachable) before reaching the log. */
  failingCommits = 0;
  #waiters: (() => void)[] = [];

  append(market: MarketRef, name: string, payload: unknown): string {
    const list = this.entries.get(marketId(market)) ?? [];
    const offset = `${list.length + 1}-0`;
    // Stored as JSON, as on the stream.
    list.push({ offset, name, payload: JSON.parse(JSON.stringify(payload)) as unknown });
    this.entries.set(marketId(market), list);
    for (const wake of this.#waiters.splice(0)) wake();
    return offset;
  }

  appendCandles(events: readonly CandleData[]): string[] {
    return events.map((e) => this.append(MARKET, MarketEventName.CandleClosed, e));
  }

  lastOffset(market: MarketRef = MARKET): string {
    return this.entries.get(marketId(market))?.at(-1)?.offset ?? '0';
  }

  override async read(
    from: ReadonlyMap<string, { readonly market: MarketRef; readonly after: string }>,
    count: number,
    blockMs: number,
  ): Promise<LogBatch[]> {
    let batches = this.#collect(from, count);
    if (batches.length === 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, blockMs);
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
      batches = this.#collect(from, count);
    }
    return batches;
  }

  override async candlesUntil(market: MarketRef, until: string): Promise<readonly CandleClosedEvent[]> {
    await Promise.resolve();
    const entries = (this.entries.get(marketId(market)) ?? []).filter(
      (e) => compareOffsets(e.offset, until) <= 0,
    );
    return parse(entries).events.flatMap((e) => (e.name === MarketEventName.CandleClosed ? [e.payload] : []));
  }

  override async checkpoints(
    market: MarketRef,
  ): Promise<{ published: string | null; stored: string | null }> {
    await Promise.resolve();
    const id = marketId(market);
    return { published: this.published.get(id) ?? null, stored: this.stored.get(id) ?? null };
  }

  override async commit(
    market: MarketRef,
    owner: string,
    checkpoint: string,
    events: readonly AnalysisMessage[],
  ): Promise<boolean> {
    await Promise.resolve();
    if (this.failingCommits > 0) {
      this.failingCommits--;
      throw new Error('connect ECONNREFUSED 127.0.0.1:6379');
    }
    const id = marketId(market);
    const accepted = this.leases.get(id) === owner;
    this.commits.push({ market: id, owner, checkpoint, events, accepted });
    if (accepted) this.published.set(id, checkpoint);
    return accepted;
  }

  override async saveStored(
    market: MarketRef,
    owner: string,
    offset: string,
    checkpoint: string,
  ): Promise<boolean> {
    await Promise.resolve();
    const id = marketId(market);
    const current = this.stored.get(id);
    const accepted =
      this.leases.get(id) === owner &&
      (current === undefined || compareOffsets(offset, checkpointOf(current).offset) > 0);
    this.storedCalls.push({ owner, offset, accepted });
    if (accepted) this.stored.set(id, checkpoint);
    return accepted;
  }

  /** Accepted commits' messages, in order. */
  messages(owner?: string): AnalysisMessage[] {
    return this.commits
      .filter((c) => c.accepted && (owner === undefined || c.owner === owner))
      .flatMap((c) => c.events);
  }

  #collect(
    from: ReadonlyMap<string, { readonly market: MarketRef; readonly after: string }>,
    count: number,
  ): LogBatch[] {
    const batches: LogBatch[] = [];
    for (const { market, after } of from.values()) {
      const entries = (this.entries.get(marketId(market)) ?? [])
        .filter((e) => compareOffsets(e.offset, after) > 0)
        .slice(0, count);
      const last = entries.at(-1);
      if (last !== undefined) batches.push({ market, ...parse(entries), lastOffset: last.offset });
    }
    return batches;
  }
}

function parse(entries: readonly RawEntry[]): { events: LoggedMarketEvent[]; rejected: RejectedLogEntry[] } {
  const events: LoggedMarketEvent[] = [];
  const rejected: RejectedLogEntry[] = [];
  for (const { offset, name, payload } of entries) {
    if (!isMarketEventName(name)) {
      rejected.push({ offset, name, errors: [`name: "${name}" is not a market event`] });
      continue;
    }
    const validated = validateBusEvent(name, payload);
    if (validated.ok) events.push({ offset, name, payload: validated.value } as LoggedMarketEvent);
    else rejected.push({ offset, name, errors: validated.errors });
  }
  return { events, rejected };
}

function checkpointOf(json: string | null | undefined): Checkpoint {
  if (json === null || json === undefined) throw new Error('no checkpoint');
  return JSON.parse(json) as Checkpoint;
}

/** The store's write path: records candle results and label changes, runs `after` in order once "written". */
class FakeSink implements AnalysisSink {
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
class FakeOwnership implements MarketOwnership {
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

class FakeHistory implements CandleHistory {
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

class RecordingLogger implements AnalysisLogger {
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

interface Worker {
  readonly analysis: DistributedAnalysis;
  readonly ownership: FakeOwnership;
  readonly sink: FakeSink;
  readonly logger: RecordingLogger;
}

const running: DistributedAnalysis[] = [];

afterEach(async () => {
  for (const analysis of running.splice(0)) await analysis.stop();
});

function startWorker(
  log: FakeMarketLog,
  history: CandleHistory,
  workerId: string,
  overrides: Partial<DistributedAnalysisSettings> = {},
): Worker {
  const settings: DistributedAnalysisSettings = {
    workerId,
    batchSize: 50,
    blockMs: 5,
    // Rebuilds from every stored candle, so a takeover continues exactly as an unbroken run.
    rebuildCandles: 10_000,
    timeframesOf: () => ['1m', '5m'],
    logUpdates: false,
    ...overrides,
  };
  const sink = new FakeSink();
  const logger = new RecordingLogger();
  const holder: { ownership?: FakeOwnership } = {};
  const analysis = new DistributedAnalysis(settings, {
    log,
    ownership: (callbacks) => (holder.ownership = new FakeOwnership(log, workerId, callbacks)),
    history,
    sink,
    formatter,
    createAnalyzer: newAnalyzer,
    now: () => NOW,
    logger,
  });
  if (holder.ownership === undefined) throw new Error('the worker did not create its ownership');
  analysis.start();
  running.push(analysis);
  expect(holder.ownership.started).toBe(true);
  return { analysis, ownership: holder.ownership, sink, logger };
}

async function stopWorker(worker: Worker): Promise<void> {
  const index = running.indexOf(worker.analysis);
  if (index >= 0) running.splice(index, 1);
  await worker.analysis.stop();
}

async function waitFor(condition: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const start = Date.now();
  while (!condition()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await delay(5);
  }
}

const publishedAt = (log: FakeMarketLog): string | null => {
  const json = log.published.get(ID);
  return json === undefined ? null : checkpointOf(json).offset;
};
const storedAt = (log: FakeMarketLog): string | null => {
  const json = log.stored.get(ID);
  return json === undefined ? null : checkpointOf(json).offset;
};

type Updated = BusEventData<typeof AnalysisEventName.ConfluenceUpdated>;
type Changed = BusEventData<typeof AnalysisEventName.SignalChanged>;

const updates = (messages: readonly AnalysisMessage[]): Updated[] =>
  messages.flatMap((m) => (m.name === AnalysisEventName.ConfluenceUpdated ? [m.payload] : []));
const changes = (messages: readonly AnalysisMessage[]): Changed[] =>
  messages.flatMap((m) => (m.name === AnalysisEventName.SignalChanged ? [m.payload] : []));
const streamOf = (e: { timeframe: Timeframe; candleTime: number }): string =>
  `${e.timeframe}@${e.candleTime}`;

/** The candle results of an unbroken analyzer fed the same candles, by stream and candle time. */
function reference(events: readonly CandleData[]): Map<string, ConfluenceResult> {
  const analyzer = newAnalyzer(MARKET);
  const results = new Map<string, ConfluenceResult>();
  for (const payload of events) {
    const output = analyzer.process([{ name: MarketEventName.CandleClosed, payload }], NOW);
    for (const u of output.updates) results.set(streamOf(u.result), u.result);
  }
  return results;
}

/** Label transitions per timeframe of a sequence of results (the first from null). */
function transitions(
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
const changeLines = (list: readonly Changed[]): string[] =>
  list.map((c) => `${c.timeframe}@${c.time} ${c.from} → ${c.to}`);

const compact = (r: ConfluenceResult) => {
  const c = formatter.compact(r);
  return { stream: streamOf(r), score: c.score, label: c.label, inputHash: c.inputHash };
};
const compactOf = (u: Updated) => ({
  stream: streamOf(u),
  score: u.score,
  label: u.label,
  inputHash: u.inputHash,
});

/** 1m and 5m candles in the order they close (the 1m first on a tie). */
function timeline(minutes: number): CandleData[] {
  const events = [
    ...btc1m.slice(0, minutes).map((c) => candleData('1m', c)),
    ...btc5m.slice(0, Math.floor(minutes / 5)).map((c) => candleData('5m', c)),
  ];
  return events.sort(
    (a, b) => a.emittedAt - b.emittedAt || timeframeToMs(a.timeframe) - timeframeToMs(b.timeframe),
  );
}

const oneMinute = (from: number, to: number): CandleData[] =>
  btc1m.slice(from, to).map((c) => candleData('1m', c));

describe('DistributedAnalysis', () => {
  it(
    'commits every candle result exactly once, each commit with its checkpoint (offset, candles, labels)',
    async () => {
      const log = new FakeMarketLog();
      const events = timeline(500);
      const backlog = events.slice(0, 450);
      const offsets = log.appendCandles(backlog);
      const worker = startWorker(log, new FakeHistory(), 'w1');
      await worker.ownership.acquire();
      await waitFor(() => publishedAt(log) === offsets.at(-1), 'the backlog to be committed');
      // Live: entries appended while the worker waits on the log.
      offsets.push(...log.appendCandles(events.slice(450)));
      await waitFor(() => publishedAt(log) === offsets.at(-1), 'the new entries to be committed');
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
      await waitFor(() => publishedAt(log) === offsets[249], 'w1 to commit 250 candles');
      await first.sink.drained();
      expect(storedAt(log)).toBe(offsets[249]);
      // The store goes down: w1 goes on publishing, the stored checkpoint stays behind.
      first.sink.writing = false;
      offsets.push(...log.appendCandles(events.slice(250, 320)));
      await waitFor(() => publishedAt(log) === offsets[319], 'w1 to commit 320 candles');
      expect(storedAt(log)).toBe(offsets[249]);
      await stopWorker(first); // the crash: its held writes never happened
      // market-data goes on: the new owner finds a backlog straddling what w1 published.
      offsets.push(...log.appendCandles(events.slice(320)));

      const second = startWorker(log, history, 'w2');
      await second.ownership.acquire();
      // The takeover runs on the read loop: it resumes from the stored checkpoint, repairing up to w1's.
      await waitFor(() => second.analysis.status().takeovers === 1, 'w2 to take the market over');
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

      await waitFor(() => publishedAt(log) === offsets.at(-1), 'w2 to commit the new candles');
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
      await waitFor(() => publishedAt(log) === offsets.at(-1), 'the rest to be committed');
      expect(history.calls).toEqual([{ timeframe: '1m', until: btc1m[299]!.timestamp, count: 10_000 }]);
      const expected = [...reference(events).values()].filter((r) => r.candleTime > btc1m[299]!.timestamp);
      expect(updates(log.messages()).map(compactOf)).toEqual(expected.map(compact));
      expect(worker.logger.lines.filter((l) => l.startsWith('warn'))).toEqual([]);
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
      await waitFor(() => publishedAt(log) === last, 'the log to be read to its end');
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

  it(
    'still publishes a batch’s results when its commit failed once (the log was unreachable)',
    async () => {
      const log = new FakeMarketLog();
      const events = oneMinute(0, 300);
      const offsets = log.appendCandles(events.slice(0, 200));
      const worker = startWorker(log, new FakeHistory(), 'w1');
      await worker.ownership.acquire();
      await waitFor(() => publishedAt(log) === offsets[199], 'the first 200 candles to be committed');
      log.failingCommits = 1;
      offsets.push(...log.appendCandles(events.slice(200)));
      await waitFor(() => publishedAt(log) === offsets.at(-1), 'the rest to be committed');
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
