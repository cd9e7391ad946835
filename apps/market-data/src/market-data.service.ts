import { Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import {
  Environment,
  ExchangesConfig,
  IndicatorsConfig,
  MonitoringConfig,
  RuntimeSettings,
} from '@app/config';
import { Clock, DataSource, EventBus, MarketEventName } from '@app/contracts';
import { type BusEventData } from '@app/contracts/dto';
import {
  MarketClientFactory,
  MarketIngestion,
  type MarketDataStatus,
  RecordingBus,
  warmupCandlesFor,
} from '@app/market';
import { CandleRepository } from '@app/persistence';
import { CandleRecorder } from './candle-recorder.service.js';
import { OrderBookRecorder } from './order-book-recorder.service.js';

/**
 * Starts ingestion when the app starts and stops it (closing exchange connections) first on
 * shutdown. Live streams resume after the newest live candle in the store, so a restart leaves
 * no hole there (within exchanges.yaml `resume.maxCandles`).
 */
@Injectable()
export class MarketDataService implements OnApplicationBootstrap, OnModuleDestroy {
  readonly #ingestion: MarketIngestion;
  readonly #logger = new Logger('market-data');

  constructor(
    exchanges: ExchangesConfig,
    indicators: IndicatorsConfig,
    monitoring: MonitoringConfig,
    runtime: RuntimeSettings,
    environment: Environment,
    bus: EventBus,
    clock: Clock,
    clients: MarketClientFactory,
    candles: CandleRepository,
    candleRecorder: CandleRecorder,
    bookRecorder: OrderBookRecorder,
  ) {
    // What this process published is recorded from here, not heard back from the bus.
    const recording = new RecordingBus(bus, (name, payload) => {
      if (name === MarketEventName.CandleClosed)
        candleRecorder.record(payload as BusEventData<typeof MarketEventName.CandleClosed>);
      else if (name === MarketEventName.OrderBookSnapshot)
        bookRecorder.record(payload as BusEventData<typeof MarketEventName.OrderBookSnapshot>);
    });
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
        bus: recording,
        clock,
        clients,
        logger: this.#logger,
        history: {
          lastCandle: (exchange, symbol, timeframe) =>
            candles.lastOpenTime({ exchange, symbol, timeframe }, DataSource.Live),
        },
      },
    );
  }

  onApplicationBootstrap(): void {
    this.#ingestion.start();
  }

  /**
   * First thing in a stop (onModuleDestroy runs before any module's beforeApplicationShutdown,
   * where the store's write path flushes): nothing is published, or queued for the store, after
   * this. In local mode the in-process bus awaits the worker, so what was published is analysed.
   */
  async onModuleDestroy(): Promise<void> {
    await this.#ingestion.stop();
  }

  status(): MarketDataStatus {
    return this.#ingestion.status();
  }
}
