import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import {
  Injectable,
  Logger,
  Inject,
  Optional,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
  type OnModuleDestroy,
} from '@nestjs/common';
import {
  type CandleHistory,
  DistributedAnalysis,
  type DistributedAnalysisStatus,
  LocalAnalysis,
  type LocalAnalysisStatus,
  MarketAnalyzer,
  StoreAndBusSink,
} from '@app/analysis';
import { BusConnections, MarketLeases, RedisMarketLog } from '@app/bus';
import { AppConfig, ExchangesConfig, IndicatorsConfig } from '@app/config';
import { EngineFactory, ResultFormatter, warmupCandlesFor } from '@app/confluence';
import { Clock, EventBus, type MarketRef, ShutdownReport, type Timeframe } from '@app/contracts';
import {
  CandleRepository,
  ResultRepository,
  SignalRepository,
  SnapshotRepository,
  StoreWriter,
  type StoreWriterStatus,
} from '@app/persistence';

/**
 * Runs the analysis: local mode feeds it straight from the in-process bus; distributed mode
 * splits the markets between workers with Redis leases and reads each market's log. The rules
 * live in libs/analysis; this wires them to config, store and bus.
 */
@Injectable()
export class AnalysisWorkerService
  implements OnApplicationBootstrap, OnModuleDestroy, BeforeApplicationShutdown
{
  readonly #logger = new Logger('analysis-worker');
  readonly #driver: LocalAnalysis | DistributedAnalysis;
  readonly #writer: StoreWriter;
  readonly #flushMs: number;

  constructor(
    app: AppConfig,
    exchanges: ExchangesConfig,
    indicators: IndicatorsConfig,
    engines: EngineFactory,
    formatter: ResultFormatter,
    bus: EventBus,
    connections: BusConnections,
    writer: StoreWriter,
    results: ResultRepository,
    signals: SignalRepository,
    candles: CandleRepository,
    snapshots: SnapshotRepository,
    clock: Clock,
    // By token: a union type gives DI no class to go by.
    @Inject(ShutdownReport) @Optional() private readonly report: ShutdownReport | null = null,
  ) {
    this.#writer = writer;
    this.#flushMs = app.storage.operationTimeoutMs;
    const now = (): number => clock.now();
    const sink = new StoreAndBusSink({ writer, results, signals, bus, formatter, now });
    const createAnalyzer = (market: MarketRef): MarketAnalyzer =>
      new MarketAnalyzer(market, engines.create(), {
        refreshIntervalMs: app.analysis.refreshIntervalMs,
      });
    const logger = this.#logger;
    if (!connections.enabled) {
      this.#driver = new LocalAnalysis({
        bus,
        sink,
        createAnalyzer,
        now,
        logger,
        logUpdates: app.analysis.logUpdates,
        snapshots,
        snapshotEveryCandles: app.analysis.snapshotEveryCandles,
      });
      return;
    }
    const workerId = `${hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`;
    const markets = exchanges.exchanges
      .filter((exchange) => exchange.enabled)
      .flatMap((exchange) => exchange.symbols.map((symbol) => ({ exchange: exchange.id, symbol })));
    const timeframes = new Map(exchanges.exchanges.map((exchange) => [exchange.id, exchange.timeframes]));
    const history: CandleHistory = {
      candlesUntil: async (market, timeframe, until, count) =>
        (await candles.latest({ ...market, timeframe }, count, until)).map(
          ({ timestamp, open, high, low, close, volume }) => ({ timestamp, open, high, low, close, volume }),
        ),
    };
    const commands = connections.commands();
    this.#driver = new DistributedAnalysis(
      {
        workerId,
        batchSize: app.analysis.batchSize,
        blockMs: app.analysis.blockMs,
        rebuildCandles: warmupCandlesFor(indicators),
        snapshotEveryCandles: app.analysis.snapshotEveryCandles,
        timeframesOf: (market) => timeframes.get(market.exchange) ?? ([] as readonly Timeframe[]),
        logUpdates: app.analysis.logUpdates,
      },
      {
        log: new RedisMarketLog({ commands, reader: connections.open('log-reader'), keys: connections.keys }),
        ownership: (callbacks) =>
          new MarketLeases({
            redis: commands,
            prefix: connections.keys.prefix,
            workerId,
            markets,
            ttlMs: app.analysis.leaseTtlMs,
            logger,
            ...callbacks,
          }),
        history,
        snapshots,
        sink,
        formatter,
        createAnalyzer,
        now,
        logger,
      },
    );
    logger.log(`worker ${workerId}: ${markets.length} market(s) to share through Redis leases`);
  }

  onApplicationBootstrap(): void {
    this.#driver.start();
  }

  /**
   * Distributed: first thing in a stop, before the store's write path flushes and closes (its
   * beforeApplicationShutdown): stop reading, write what is pending, then release the markets.
   * Bounded: a store that is down must not hold the shutdown (what stays unwritten is re-analysed
   * by the next owner, whose checkpoint is the last stored one).
   */
  async onModuleDestroy(): Promise<void> {
    if (this.#driver instanceof LocalAnalysis) return;
    await this.#driver.stop(async () => {
      await this.#bounded(this.#writer.flush());
    });
  }

  /**
   * Local: after market-data stopped publishing (its onModuleDestroy), so every candle it
   * published was analysed and its results handed to the write path. Snapshots after the flush,
   * so none is ahead of the stored results; both bounded.
   */
  async beforeApplicationShutdown(): Promise<void> {
    if (!(this.#driver instanceof LocalAnalysis)) return;
    this.#driver.stop();
    if ((await this.#bounded(this.#writer.flush())) === 'done')
      await this.#bounded(this.#driver.saveSnapshots());
  }

  /** Waits for `work`, but at most the store's operation timeout, and never past the stop's deadline. */
  async #bounded(work: Promise<void>): Promise<'done' | 'timeout'> {
    const budget = this.report?.budget(this.#flushMs) ?? this.#flushMs;
    let timer: NodeJS.Timeout | undefined;
    const outcome = await Promise.race([
      work.then(() => 'done' as const),
      new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => {
          resolve('timeout');
        }, budget);
      }),
    ]);
    clearTimeout(timer);
    return outcome;
  }

  status(): (LocalAnalysisStatus | DistributedAnalysisStatus) & { readonly store: StoreWriterStatus } {
    return { ...this.#driver.status(), store: this.#writer.status() };
  }
}
