import { type EventBus, MarketEventName, type MarketRef, marketId } from '@app/contracts';
import { updateLine } from './analysis-output.js';
import { type AnalysisCounters, AnalysisStats } from './analysis-stats.js';
import type { AnalysisSink, MarketEvent } from './analysis.types.js';
import type { MarketAnalyzer } from './market-analyzer.js';

export interface AnalysisLogger {
  log(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export interface LocalAnalysisDeps {
  readonly bus: EventBus;
  readonly sink: AnalysisSink;
  readonly createAnalyzer: (market: MarketRef) => MarketAnalyzer;
  readonly now: () => number;
  readonly logger: AnalysisLogger;
  /** Log one line per update (local mode's "watch the scores scroll by"). */
  readonly logUpdates: boolean;
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
export class LocalAnalysis {
  readonly #analyzers = new Map<string, MarketAnalyzer>();
  readonly #stats = new AnalysisStats();
  readonly #unsubscribe: (() => void)[] = [];

  constructor(private readonly deps: LocalAnalysisDeps) {}

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

  status(): LocalAnalysisStatus {
    return {
      mode: 'local',
      markets: [...this.#analyzers.keys()],
      counters: this.#stats.counters(),
      lagMs: this.#stats.lag.summary(),
    };
  }

  async #handle(event: MarketEvent): Promise<void> {
    const market = { exchange: event.payload.exchange, symbol: event.payload.symbol };
    const id = marketId(market);
    let analyzer = this.#analyzers.get(id);
    if (analyzer === undefined) {
      analyzer = this.deps.createAnalyzer(market);
      this.#analyzers.set(id, analyzer);
    }
    const output = analyzer.process([event], this.deps.now());
    // Published first: rendering the stored breakdown and starting the write stay off the live path.
    await this.deps.sink.publish(output);
    this.#stats.add(output, this.deps.now());
    if (!this.deps.sink.store(output)) this.#stats.storeRefused();
    if (this.deps.logUpdates) for (const update of output.updates) this.deps.logger.log(updateLine(update));
  }
}
