import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { Logger, type Provider } from '@nestjs/common';
import {
  type AnalysisOutput,
  AnalysisDriver,
  type CandleHistory,
  changedResults,
  DistributedAnalysis,
  LocalAnalysis,
  MarketAnalyzer,
  StoreAndBusSink,
} from '@app/analysis';
import { MarketCoordination } from '@app/bus';
import { AppConfig, ExchangesConfig, IndicatorsConfig, RuntimeSettings } from '@app/config';
import { EngineFactory, ResultFormatter, warmupCandlesFor } from '@app/confluence';
import { Clock, EventBus, type MarketRef, type Timeframe } from '@app/contracts';
import { SignalOpinions } from '@app/llm';
import {
  CandleRepository,
  ResultRepository,
  SignalRepository,
  SnapshotRepository,
  StoreWriter,
  ValidationSampleRepository,
} from '@app/persistence';

interface DriverDeps {
  readonly app: AppConfig;
  readonly runtime: RuntimeSettings;
  readonly exchanges: ExchangesConfig;
  readonly indicators: IndicatorsConfig;
  readonly engines: EngineFactory;
  readonly formatter: ResultFormatter;
  readonly bus: EventBus;
  readonly coordination: MarketCoordination;
  readonly writer: StoreWriter;
  readonly results: ResultRepository;
  readonly signals: SignalRepository;
  readonly samples: ValidationSampleRepository;
  readonly candles: CandleRepository;
  readonly snapshots: SnapshotRepository;
  readonly clock: Clock;
  readonly opinions: SignalOpinions;
}

/**
 * The worker's driver, chosen by the bus: local mode feeds the analysis straight from the
 * in-process bus; distributed mode splits the markets between workers with Redis leases and
 * reads each market's log. The rules live in libs/analysis; this wires them to config, store and bus.
 */
function createAnalysisDriver(deps: DriverDeps): AnalysisDriver {
  const { app, exchanges, indicators, engines, formatter, bus, coordination, writer, snapshots } = deps;
  const logger = new Logger('analysis-worker');
  const now = (): number => deps.clock.now();
  const sink = new StoreAndBusSink({
    writer,
    results: deps.results,
    signals: deps.signals,
    samples: deps.samples,
    bus,
    formatter,
    now,
  });
  // Replayed candles are analysed as of the replay's own time (see AnalyzerOptions.clock).
  const clock = deps.runtime.marketData === 'replay' ? 'data' : 'wall';
  // Label changes ask the model beside the pipeline (llm.yaml onSignalChange); never awaited.
  const published = (output: AnalysisOutput): void => {
    deps.opinions.changed(
      changedResults(output).map(({ update }) => ({ result: update.result, source: update.source })),
    );
  };
  const createAnalyzer = (market: MarketRef): MarketAnalyzer =>
    new MarketAnalyzer(market, engines.create(), {
      refreshIntervalMs: app.analysis.refreshIntervalMs,
      clock,
    });
  if (!coordination.enabled)
    return new LocalAnalysis({
      bus,
      sink,
      createAnalyzer,
      now,
      logger,
      logUpdates: app.analysis.logUpdates,
      snapshots,
      snapshotEveryCandles: app.analysis.snapshotEveryCandles,
      published,
    });
  const workerId = `${hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`;
  const markets = exchanges.exchanges
    .filter((exchange) => exchange.enabled)
    .flatMap((exchange) => exchange.symbols.map((symbol) => ({ exchange: exchange.id, symbol })));
  const timeframes = new Map(exchanges.exchanges.map((exchange) => [exchange.id, exchange.timeframes]));
  const history: CandleHistory = {
    candlesUntil: async (market, timeframe, until, count) =>
      (await deps.candles.latest({ ...market, timeframe }, count, until)).map(
        ({ timestamp, open, high, low, close, volume }) => ({ timestamp, open, high, low, close, volume }),
      ),
  };
  const driver = new DistributedAnalysis(
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
      log: coordination.log(),
      ownership: (callbacks) =>
        coordination.leases({
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
      published,
    },
  );
  logger.log(`worker ${workerId}: ${markets.length} market(s) to share through Redis leases`);
  return driver;
}

export const analysisDriverProvider: Provider = {
  provide: AnalysisDriver,
  inject: [
    AppConfig,
    RuntimeSettings,
    ExchangesConfig,
    IndicatorsConfig,
    EngineFactory,
    ResultFormatter,
    EventBus,
    MarketCoordination,
    StoreWriter,
    ResultRepository,
    SignalRepository,
    ValidationSampleRepository,
    CandleRepository,
    SnapshotRepository,
    Clock,
    SignalOpinions,
  ],
  useFactory: (
    app: AppConfig,
    runtime: RuntimeSettings,
    exchanges: ExchangesConfig,
    indicators: IndicatorsConfig,
    engines: EngineFactory,
    formatter: ResultFormatter,
    bus: EventBus,
    coordination: MarketCoordination,
    writer: StoreWriter,
    results: ResultRepository,
    signals: SignalRepository,
    samples: ValidationSampleRepository,
    candles: CandleRepository,
    snapshots: SnapshotRepository,
    clock: Clock,
    opinions: SignalOpinions,
  ) =>
    createAnalysisDriver({
      app,
      runtime,
      exchanges,
      indicators,
      engines,
      formatter,
      bus,
      coordination,
      writer,
      results,
      signals,
      samples,
      candles,
      snapshots,
      clock,
      opinions,
    }),
};
