import {
  type BeforeApplicationShutdown,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import {
  Environment,
  ExchangesConfig,
  IndicatorsConfig,
  MonitoringConfig,
  RuntimeSettings,
} from '@app/config';
import { EventBus } from '@app/contracts';
import { CandleRepository, CandleSource } from '@app/persistence';
import {
  type Clock,
  type IngestionDeps,
  MarketIngestion,
  type MarketDataStatus,
  warmupCandlesFor,
} from '@app/market';

/** The clock and client factory market-data runs with; tests provide virtual time and the loopback fake. */
export abstract class MarketDataRuntime {
  abstract readonly clock: Clock;
  abstract readonly createClient?: IngestionDeps['createClient'];
}

/**
 * Starts ingestion when the app starts and stops it (closing exchange connections) first on
 * shutdown. Live streams resume after the newest live candle in the store, so a restart leaves
 * no hole there (within exchanges.yaml `resume.maxCandles`).
 */
@Injectable()
export class MarketDataService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  readonly #ingestion: MarketIngestion;
  readonly #logger = new Logger('market-data');

  constructor(
    exchanges: ExchangesConfig,
    indicators: IndicatorsConfig,
    monitoring: MonitoringConfig,
    runtime: RuntimeSettings,
    environment: Environment,
    bus: EventBus,
    deps: MarketDataRuntime,
    candles: CandleRepository,
  ) {
    this.#ingestion = new MarketIngestion(
      {
        exchanges,
        source: runtime.marketData,
        downAfterFailures: monitoring.health.exchangeDownAfterFailures,
        credentials: environment.exchangeCredentials,
        dataDir: environment.dataDir,
        warmupCandles: warmupCandlesFor(indicators),
      },
      {
        bus,
        clock: deps.clock,
        logger: this.#logger,
        history: {
          lastCandle: (exchange, symbol, timeframe) =>
            candles.lastOpenTime({ exchange, symbol, timeframe }, CandleSource.Live),
        },
        ...(deps.createClient === undefined ? {} : { createClient: deps.createClient }),
      },
    );
  }

  onApplicationBootstrap(): void {
    this.#ingestion.start();
  }

  /** Before the store and bus close: nothing is published (or queued for the store) after this. */
  async beforeApplicationShutdown(): Promise<void> {
    await this.#ingestion.stop();
  }

  status(): MarketDataStatus {
    return this.#ingestion.status();
  }
}
