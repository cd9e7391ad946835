import type { ResultFormatter } from '@app/confluence';
import { type MarketRef, type Timeframe, timeframeToMs, type ValidationSample } from '@app/contracts';
import {
  type CandleRepository,
  type ResultRepository,
  type SignalChange,
  type SignalRepository,
  type StoredCandle,
  type StoredMarket,
  type StoredResult,
  storedResult,
  type ValidationSampleRepository,
} from '@app/persistence';
import { storedChange } from './analysis-output.js';
import type { AnalysisUpdate, LabelChange } from './analysis.types.js';
import type { MarketAnalyzer } from './market-analyzer.js';
import { type CandleHole, CandleHoles } from './candle-holes.js';
import { CandleMerge, type FeedHole } from './candle-merge.js';
import { validationSampleOf } from './validation-samples.js';

/** What a repair reads from the store and writes back. */
export interface RepairStore {
  /** The timeframes of the market with stored candles. */
  timeframes(market: MarketRef): Promise<Timeframe[]>;
  /** Up to `limit` stored candles of a stream with open time ≥ `from`, oldest first. */
  candles(stream: StoredMarket, from: number, limit: number): Promise<StoredCandle[]>;
  /** The input hash of each stored result of the stream in [from, to], by candle time. */
  inputHashes(stream: StoredMarket, from: number, to: number): Promise<ReadonlyMap<number, string>>;
  /** The missing results, their label changes and their forward-validation samples. */
  write(
    results: readonly StoredResult[],
    changes: readonly SignalChange[],
    samples: readonly ValidationSample[],
  ): Promise<void>;
}

/** The store's repositories as a repair uses them; `now` stamps what it writes. */
export function repairStoreOf(
  repos: {
    readonly candles: CandleRepository;
    readonly results: ResultRepository;
    readonly signals: SignalRepository;
    readonly samples: Pick<ValidationSampleRepository, 'saveMany'>;
  },
  now: () => number,
): RepairStore {
  return {
    timeframes: (market) => repos.candles.timeframes(market.exchange, market.symbol),
    candles: (stream, from, limit) => repos.candles.range({ market: stream, from, limit }),
    inputHashes: (stream, from, to) => repos.results.inputHashes(stream, from, to),
    write: async (results, changes, samples) => {
      const storedAt = now();
      await repos.results.saveMany(results, storedAt);
      await repos.samples.saveMany(samples, storedAt);
      for (const change of changes) await repos.signals.record(change, storedAt);
    },
  };
}

export interface RepairRequest {
  readonly market: MarketRef;
  /** The streams whose results to repair; all the market's stored streams when absent. */
  readonly timeframes?: readonly Timeframe[];
  /** Inclusive bounds on the candle (open) time. */
  readonly from: number;
  readonly to: number;
  /** Count only: write nothing. */
  readonly dryRun: boolean;
}

export interface RepairDeps {
  readonly store: RepairStore;
  /** A fresh analyzer of the market, as the worker creates it. */
  readonly createAnalyzer: (market: MarketRef) => MarketAnalyzer;
  readonly formatter: ResultFormatter;
  readonly now: () => number;
  /** Candles read per stream and query. */
  readonly pageSize?: number;
}

export interface StreamRepair {
  readonly timeframe: Timeframe;
  /** Results recomputed in the range (one per stored candle once the engine is warm). */
  readonly recomputed: number;
  /** Stored, with the recomputed input hash: left as they are. */
  readonly matching: number;
  /**
   * Stored with another input hash: computed with inputs the store does not keep (order book,
   * trades, derivatives) or another configuration. Left as they are.
   */
  readonly differing: number;
  /** Not stored: written (unless a dry run). */
  readonly missing: number;
  /** Label changes written with the missing results. */
  readonly changes: number;
  /**
   * Candle times in the range with no stored candle (lost with the results, say): their results
   * cannot be recomputed until the candles are stored again. The first few, and the count.
   */
  readonly holes: readonly CandleHole[];
  readonly missingCandles: number;
  /**
   * Results of the range computed after the market's first missing candle (`RepairReport.hole`):
   * not what the worker computed, so neither compared nor written.
   */
  readonly afterHole: number;
}

export interface RepairReport {
  readonly streams: readonly StreamRepair[];
  /** Candles fed to the engine, from the first stored candle of each stream. */
  readonly candlesFed: number;
  /** The market's first missing candle (any stream) before the end of the range, if any. */
  readonly hole: FeedHole | null;
  readonly dryRun: boolean;
}

/** Results compared with the store per query (bounded by the repository's per-call limit). */
const CHUNK = 1_000;

/**
 * Recomputes a market's results in a time range from its stored candles and writes back the ones
 * the store lacks (lost writes the worker logged and `/health/analysis-worker` lists), with their
 * label changes. Indicator state depends on every earlier candle, so every stored stream of the
 * market is replayed from its first candle in the order the streams close — as the worker saw
 * them — and results before `from` are discarded. Stored results are never replaced: one that
 * differs was computed with order-book, trade or derivatives data the store does not keep (or
 * another configuration), and it is counted, not overwritten.
 */
export async function repairResults(request: RepairRequest, deps: RepairDeps): Promise<RepairReport> {
  const { market, from, to, dryRun } = request;
  if (!(from <= to)) throw new RangeError(`the range is empty: from ${from} is after to ${to}`);
  const streams = await deps.store.timeframes(market);
  if (streams.length === 0) throw new RangeError(`no stored candles of ${market.exchange} ${market.symbol}`);
  const targets = request.timeframes ?? streams;
  const absent = targets.filter((timeframe) => !streams.includes(timeframe));
  if (absent.length > 0)
    throw new RangeError(
      `no stored candles of ${market.exchange} ${market.symbol} ${absent.join(', ')} (stored: ${streams.join(', ')})`,
    );

  const feed = new CandleMerge(market, streams, deps.store, deps.pageSize ?? 5_000);
  const analyzer = deps.createAnalyzer(market);
  const tallies = new Map(
    targets.map((timeframe) => [
      timeframe,
      // Months differ in length, so a monthly stream's holes are not counted (see CandleMerge).
      new StreamTally(
        timeframe,
        new CandleHoles(timeframeToMs(timeframe), from, timeframe === '1M' ? -1 : to),
      ),
    ]),
  );
  const settle = async (tally: StreamTally): Promise<void> => {
    const batch = tally.take();
    if (batch.length === 0) return;
    const first = batch[0]?.update.result.candleTime ?? from;
    const last = batch.at(-1)?.update.result.candleTime ?? to;
    const stored = await deps.store.inputHashes({ ...market, timeframe: tally.timeframe }, first, last);
    const missing = tally.classify(batch, stored);
    if (dryRun || missing.length === 0) return;
    await deps.store.write(
      missing.map(({ update: { result } }) => storedResult(result)),
      missing.flatMap(({ change }) => (change === undefined ? [] : [storedChange(change)])),
      missing.flatMap(({ update }) => validationSampleOf(update) ?? []),
    );
  };

  // The last target candle opened by `to` closes by `horizon`; a candle of another stream that
  // closes before it is part of what it was scored beside, so the feed runs up to there.
  const horizon = to + Math.max(...targets.map(timeframeToMs));
  let candlesFed = 0;
  for (let event = await feed.next(); event !== null; event = await feed.next()) {
    if (event.payload.emittedAt > horizon) break;
    candlesFed++;
    const output = analyzer.process([event], deps.now());
    const tally = tallies.get(event.payload.timeframe);
    tally?.holes.observe(event.payload.candle.timestamp);
    const update = output.updates[0];
    const time = update?.result.candleTime ?? Number.NaN;
    if (tally === undefined || update === undefined || !(time >= from && time <= to)) continue;
    // Past a missing candle the engine is not where the worker's was: what it gives now would
    // differ from what was lost, so it is not compared or written.
    if (feed.hole !== null) {
      tally.afterHole++;
      continue;
    }
    tally.add(update, output.changes[0]);
    if (tally.size >= CHUNK) await settle(tally);
  }
  for (const tally of tallies.values()) {
    await settle(tally);
    tally.holes.finish(deps.now());
  }
  return {
    streams: [...tallies.values()].map((tally) => tally.report()),
    candlesFed,
    hole: feed.hole,
    dryRun,
  };
}

interface Recomputed {
  readonly update: AnalysisUpdate;
  readonly change: LabelChange | undefined;
}

/** One target stream's recomputed results awaiting comparison, and its counts. */
class StreamTally {
  #batch: Recomputed[] = [];
  #recomputed = 0;
  #matching = 0;
  #differing = 0;
  #missing = 0;
  #changes = 0;
  afterHole = 0;

  constructor(
    readonly timeframe: Timeframe,
    readonly holes: CandleHoles,
  ) {}

  get size(): number {
    return this.#batch.length;
  }

  add(update: AnalysisUpdate, change: LabelChange | undefined): void {
    this.#batch.push({ update, change });
  }

  take(): Recomputed[] {
    const batch = this.#batch;
    this.#batch = [];
    return batch;
  }

  /** Counts the batch against the stored hashes; returns the results the store lacks. */
  classify(batch: readonly Recomputed[], stored: ReadonlyMap<number, string>): Recomputed[] {
    const missing: Recomputed[] = [];
    for (const item of batch) {
      this.#recomputed++;
      const hash = stored.get(item.update.result.candleTime);
      if (hash === undefined) {
        missing.push(item);
        this.#missing++;
        if (item.change !== undefined) this.#changes++;
      } else if (hash === item.update.result.inputHash) this.#matching++;
      else this.#differing++;
    }
    return missing;
  }

  report(): StreamRepair {
    return {
      timeframe: this.timeframe,
      recomputed: this.#recomputed,
      matching: this.#matching,
      differing: this.#differing,
      missing: this.#missing,
      changes: this.#changes,
      holes: this.holes.listed,
      missingCandles: this.holes.count,
      afterHole: this.afterHole,
    };
  }
}
