import { MarketEventName, marketId, errorMessage } from '@app/contracts';
import { updateLine } from './analysis-output.js';
import { type AnalysisCounters, AnalysisStats } from './analysis-stats.js';
import { saveSnapshot, takeSnapshot } from './analysis-snapshots.js';
import type {
  AnalysisOutput,
  AnalysisSink,
  MarketEvent,
  MarketSnapshot,
  SnapshotStore,
} from './analysis.types.js';
import type { MarketAnalyzer } from './market-analyzer.js';
import { AnalysisDriver, type StopWork } from './analysis-driver.js';
import type { LogSink, EventBus, MarketRef } from '@app/contracts';

export interface LocalAnalysisDeps {
  readonly bus: EventBus;
  readonly sink: AnalysisSink;
  readonly createAnalyzer: (market: MarketRef) => MarketAnalyzer;
  readonly now: () => number;
  readonly logger: LogSink;
  /** Log one line per update (local mode's "watch the scores scroll by"). */
  readonly logUpdates: boolean;
  /**
   * Where each market's analysis state is saved (every `snapshotEveryCandles` candles, once the
   * results up to it are stored, and on stop) and restored from when the market is first seen, so
   * a restart over a persistent store continues exactly instead of warming up again.
   */
  readonly snapshots?: SnapshotStore;
  readonly snapshotEveryCandles?: number;
  /** Told of each published batch (LLM opinions on label changes); must not wait on anything. */
  readonly published?: (output: AnalysisOutput) => void;
}

interface LocalMarket {
  readonly analyzer: MarketAnalyzer;
  sinceSnapshot: number;
}

export interface LocalAnalysisStatus {
  readonly mode: 'local';
  readonly markets: readonly string[];
  readonly counters: AnalysisCounters;
  readonly lagMs: ReturnType<AnalysisStats['lag']['summary']>;
}

const MARKET_EVENTS = Object.values(MarketEventName);

/**
 * Local mode's worker: one process owns every market, fed straight from the in-process bus. The
 * bus awaits this handler, so a slow analysis slows the publisher instead of piling up events.
 */
export class LocalAnalysis extends AnalysisDriver {
  readonly stopsAt = 'before-shutdown' as const;

  // Promises, so events of a market that arrive while its snapshot is still loading wait for it.
  readonly #markets = new Map<string, Promise<LocalMarket>>();
  readonly #stats = new AnalysisStats();
  readonly #unsubscribe: (() => void)[] = [];

  constructor(private readonly deps: LocalAnalysisDeps) {
    super();
  }

  start(): void {
    for (const name of MARKET_EVENTS) {
      this.#unsubscribe.push(
        this.deps.bus.subscribe(name, (payload) => this.#handle({ name, payload } as MarketEvent)),
      );
    }
  }

  stop(): void {
    for (const unsubscribe of this.#unsubscribe.splice(0)) unsubscribe();
  }

  /** Unsubscribes, has the results written, then saves the snapshots (never ahead of what is stored). */
  async shutdown(work: StopWork): Promise<void> {
    this.stop();
    if ((await work.flush()) === 'done') await work.bounded(this.saveSnapshots());
  }

  status(): LocalAnalysisStatus {
    return {
      mode: 'local',
      markets: [...this.#markets.keys()],
      counters: this.#stats.counters(),
      lagMs: this.#stats.lag.summary(),
    };
  }

  /**
   * Saves every market's snapshot (after unsubscribing and once the store writes are flushed: a
   * snapshot ahead of what is stored would skip the unstored candles' results after a restart).
   */
  async saveSnapshots(): Promise<void> {
    const markets = await Promise.all(this.#markets.values());
    await Promise.all(markets.map((local) => this.#save(this.#take(local))));
  }

  async #handle(event: MarketEvent): Promise<void> {
    const market = { exchange: event.payload.exchange, symbol: event.payload.symbol };
    const id = marketId(market);
    let entry = this.#markets.get(id);
    if (entry === undefined) {
      entry = this.#open(market);
      this.#markets.set(id, entry);
    }
    const local = await entry;
    const output = local.analyzer.process([event], this.deps.now());
    // Published first: rendering the stored breakdown and starting the write stay off the live path.
    await this.deps.sink.publish(output);
    this.deps.published?.(output);
    this.#stats.add(output, this.deps.now());
    local.sinceSnapshot += output.counts.candles;
    const every = this.deps.snapshotEveryCandles ?? Infinity;
    const snapshot = local.sinceSnapshot >= every ? this.#take(local) : null;
    const stored = this.deps.sink.store(output, snapshot === null ? undefined : () => this.#save(snapshot));
    if (!stored) this.#stats.storeRefused();
    if (this.deps.logUpdates) for (const update of output.updates) this.deps.logger.log(updateLine(update));
  }

  /** A new market's analyzer, restored from its saved snapshot when there is a usable one. */
  async #open(market: MarketRef): Promise<LocalMarket> {
    const analyzer = this.deps.createAnalyzer(market);
    const local = { analyzer, sinceSnapshot: 0 };
    const { snapshots, logger } = this.deps;
    if (snapshots === undefined) return local;
    const id = marketId(market);
    try {
      const saved = await snapshots.load(market);
      if (saved === null) return local;
      const outcome = analyzer.restore(JSON.parse(saved.data) as unknown, {
        candles: saved.position,
        labels: saved.labels,
      });
      if (outcome.restored) logger.log(`${id}: restored from its snapshot (${describePosition(saved)})`);
      else logger.warn(`${id}: snapshot refused (${outcome.reason}); warming up from new candles`);
    } catch (error) {
      logger.warn(`${id}: snapshot unreadable (${errorMessage(error)}); warming up from new candles`);
    }
    return local;
  }

  #take(local: LocalMarket): MarketSnapshot | null {
    local.sinceSnapshot = 0;
    return takeSnapshot(local.analyzer, null, this.deps.now(), this.deps.logger);
  }

  async #save(snapshot: MarketSnapshot | null): Promise<void> {
    await saveSnapshot(this.deps.snapshots, snapshot, this.deps.logger);
  }
}

function describePosition(saved: MarketSnapshot): string {
  const streams = Object.entries(saved.position).map(
    ([timeframe, time]) => `${timeframe} up to ${new Date(time).toISOString()}`,
  );
  return streams.length === 0 ? 'no candles yet' : streams.join(', ');
}
