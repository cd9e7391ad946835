import { Logger, Module, type OnModuleInit } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { ThrottlerModule } from '@nestjs/throttler';
import {
  AppConfig,
  ConfluenceConfig,
  configuredStreams,
  Environment,
  ExchangesConfig,
  MonitoringConfig,
  RuntimeSettings,
} from '@app/config';
import { AlertNotifier, registerAlertMetrics } from '@app/alerts';
import { BusModule, RedisKeys } from '@app/bus';
import { EngineFactory, ResultFormatter } from '@app/confluence';
import { ConfluenceModule } from '@app/confluence/nest';
import { Clock } from '@app/contracts';
import {
  AccessPolicy,
  ApiKeyRing,
  CandleQueries,
  GatewayMetrics,
  gatewayStartRefusal,
  LatestResults,
  MarketBoard,
  MemoryThrottlerStorage,
  OnDemandAnalysis,
  OpinionRequests,
  RedisThrottlerStorage,
  ResultQueries,
} from '@app/gateway';
import { LlmModule, LlmOpinions, OpinionPublisher, registerLlmMetrics } from '@app/llm';
import {
  CandleRepository,
  LlmCostRepository,
  PersistenceModule,
  ResultRepository,
  SignalRepository,
  StoreWriter,
} from '@app/persistence';
import { ProbabilityMaps } from '@app/validation';
import { alertsProviders } from './alerts/alerts.providers.js';
import { forwardValidationProviders } from './forward-validation.providers.js';
import { GatewayFeed } from './gateway-feed.service.js';
import { throttlerOptions } from './http/guards.js';
import { GatewayRedis } from './ops/gateway-redis.js';
import { MetricsController } from './ops/metrics.controller.js';
import { MetricsListener } from './ops/metrics-listener.js';
import { ReadinessController, readinessProviders } from './ops/readiness.controller.js';
import { AlertsController } from './rest/alerts.controller.js';
import { CandlesController } from './rest/candles.controller.js';
import { CatalogController } from './rest/catalog.controller.js';
import { ConfluenceController } from './rest/confluence.controller.js';
import { LlmController } from './rest/llm.controller.js';
import { PerformanceController } from './rest/performance.controller.js';
import { SignalsGateway } from './socket/signals.gateway.js';
import { SocketRegistry } from './socket/socket-registry.js';

/** The gateway's own Redis (rate limits, Socket.IO adapter), shared with the throttler module. */
@Module({
  providers: [
    {
      provide: GatewayRedis,
      inject: [RuntimeSettings, Environment, AppConfig],
      useFactory: (runtime: RuntimeSettings, environment: Environment, app: AppConfig) =>
        new GatewayRedis(
          runtime.throttlerStorage === 'redis' ? (environment.redisUrl ?? null) : null,
          new RedisKeys(app.bus.keyPrefix),
          app.bus.streamMaxLength,
        ),
    },
  ],
  exports: [GatewayRedis],
})
class GatewayRedisModule {}

/**
 * How long a request waits for the shared rate-limit count: far above a healthy Redis' round trip
 * (well under 1 ms on loopback), far below a client's patience.
 */
const THROTTLE_REDIS_TIMEOUT_MS = 250;

/**
 * The public edge: REST under /v1, Socket.IO /signals, readiness and metrics (on the API port, or
 * on a port of its own: MetricsListener). Controllers and the socket gateway wire the decisions
 * made in libs/gateway.
 */
@Module({
  imports: [
    PersistenceModule,
    BusModule,
    ConfluenceModule,
    LlmModule,
    GatewayRedisModule,
    TerminusModule,
    ThrottlerModule.forRootAsync({
      imports: [GatewayRedisModule],
      inject: [AppConfig, GatewayRedis, Clock],
      useFactory: (app: AppConfig, redis: GatewayRedis, clock: Clock) =>
        throttlerOptions(
          app,
          redis.enabled
            ? new RedisThrottlerStorage(redis.commands(), app.bus.keyPrefix, {
                // While Redis is away each replica counts on its own instead of failing requests.
                storage: new MemoryThrottlerStorage(() => clock.now()),
                logger: new Logger('throttler'),
                timeoutMs: THROTTLE_REDIS_TIMEOUT_MS,
              })
            : new MemoryThrottlerStorage(() => clock.now()),
        ),
    }),
  ],
  controllers: [
    ConfluenceController,
    CatalogController,
    CandlesController,
    LlmController,
    PerformanceController,
    AlertsController,
    ReadinessController,
    MetricsController,
  ],
  providers: [
    {
      provide: ApiKeyRing,
      inject: [Environment],
      useFactory: (environment: Environment) => new ApiKeyRing(environment.apiKeyHashes),
    },
    {
      provide: AccessPolicy,
      inject: [ConfluenceConfig],
      useFactory: (config: ConfluenceConfig) => AccessPolicy.of(config),
    },
    {
      provide: MarketBoard,
      inject: [RuntimeSettings, ExchangesConfig, Environment, MonitoringConfig, Clock],
      useFactory: (
        runtime: RuntimeSettings,
        exchanges: ExchangesConfig,
        environment: Environment,
        monitoring: MonitoringConfig,
        clock: Clock,
      ) =>
        new MarketBoard(
          configuredStreams(runtime.marketData, exchanges, environment.dataDir),
          monitoring.health.staleAfterIntervals,
          () => clock.now(),
        ),
    },
    {
      provide: LatestResults,
      inject: [ResultRepository, Clock],
      useFactory: (results: ResultRepository, clock: Clock) => new LatestResults(results, () => clock.now()),
    },
    {
      provide: ResultQueries,
      inject: [
        MarketBoard,
        LatestResults,
        ResultRepository,
        SignalRepository,
        ResultFormatter,
        ProbabilityMaps,
      ],
      useFactory: (
        board: MarketBoard,
        latest: LatestResults,
        results: ResultRepository,
        signals: SignalRepository,
        formatter: ResultFormatter,
        probabilities: ProbabilityMaps,
      ) => new ResultQueries(board, latest, results, signals, formatter, probabilities),
    },
    {
      provide: CandleQueries,
      inject: [CandleRepository],
      useFactory: (candles: CandleRepository) => new CandleQueries(candles),
    },
    {
      provide: OnDemandAnalysis,
      inject: [EngineFactory, ResultFormatter, MarketBoard, ResultRepository, LlmOpinions, Clock],
      useFactory: (
        engines: EngineFactory,
        formatter: ResultFormatter,
        board: MarketBoard,
        results: ResultRepository,
        opinions: LlmOpinions,
        clock: Clock,
      ) =>
        new OnDemandAnalysis(
          engines.create(),
          formatter,
          { board, results, clock, logger: new Logger('api-gateway') },
          { opinions, results },
        ),
    },
    {
      provide: OpinionRequests,
      inject: [
        ResultQueries,
        MarketBoard,
        LlmOpinions,
        OpinionPublisher,
        LlmCostRepository,
        RuntimeSettings,
        Clock,
      ],
      useFactory: (
        queries: ResultQueries,
        board: MarketBoard,
        opinions: LlmOpinions,
        publisher: OpinionPublisher,
        costs: LlmCostRepository,
        runtime: RuntimeSettings,
        clock: Clock,
      ) =>
        new OpinionRequests(queries, board, {
          opinions,
          publisher,
          costs,
          clock,
          logger: new Logger('llm'),
          defaultSource: runtime.marketData,
        }),
    },
    SocketRegistry,
    {
      provide: GatewayMetrics,
      inject: [MarketBoard, SocketRegistry, StoreWriter, LlmOpinions, AlertNotifier, Clock],
      useFactory: (
        board: MarketBoard,
        sockets: SocketRegistry,
        writer: StoreWriter,
        opinions: LlmOpinions,
        alerts: AlertNotifier,
        clock: Clock,
      ) => {
        const metrics = new GatewayMetrics(
          {
            board,
            sockets: () => sockets.stats(),
            writes: () => writer.status(),
            now: () => clock.now(),
          },
          { processMetrics: true },
        );
        registerLlmMetrics(metrics.registry, () => opinions.status());
        registerAlertMetrics(metrics.registry, () => alerts.status());
        return metrics;
      },
    },
    MetricsListener,
    GatewayFeed,
    SignalsGateway,
    ...readinessProviders,
    ...forwardValidationProviders,
    ...alertsProviders,
  ],
})
export class ApiGatewayModule implements OnModuleInit {
  private readonly logger = new Logger('api-gateway');

  constructor(
    private readonly app: AppConfig,
    private readonly environment: Environment,
    private readonly keys: ApiKeyRing,
    private readonly access: AccessPolicy,
    private readonly redis: GatewayRedis,
  ) {}

  /**
   * Fails the boot of a production gateway without API keys (POST endpoints would refuse everyone).
   * bootService refuses it earlier, before Nest is even loaded (main.ts's `refusals`); this
   * catches an app built some other way.
   */
  onModuleInit(): void {
    const refusal = gatewayStartRefusal(this.environment);
    if (refusal !== null) throw new Error(refusal);
    const { cors, rateLimits } = this.app;
    if (this.access.open)
      this.logger.log(
        // Worded without "listening on": scripts and tests wait for the boot line that says where.
        `open access: local mode on a loopback address with no API keys, so no endpoint asks for one, ` +
          `POSTs included (set API_KEY_HASHES to require keys; any other set-up always does)`,
      );
    else if (this.keys.size === 0)
      this.logger.warn('no API keys configured (API_KEY_HASHES): POST endpoints answer 401 until one is set');
    this.logger.log(
      `CORS origins ${cors.origins.join(', ') || '(none)'}; rate limit ${rateLimits.default.limit} requests / ` +
        `${rateLimits.default.ttlSeconds} s (${Object.keys(rateLimits.routes).length} route overrides, ` +
        `${this.redis.enabled ? 'shared on Redis' : 'in memory'}); ${this.keys.size} API key(s)`,
    );
  }
}
