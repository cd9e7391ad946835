import { Logger, Module, type OnApplicationBootstrap } from '@nestjs/common';
import { BusModule } from '@app/bus';
import { ExchangesConfig, RuntimeSettings } from '@app/config';
import { Clock } from '@app/contracts';
import { CcxtClientFactory, MarketClientFactory } from '@app/market';
import { PersistenceModule } from '@app/persistence';
import { CandleRecorder } from './candle-recorder.service.js';
import { MarketDataHealthController } from './market-data-health.controller.js';
import { MarketDataService } from './market-data.service.js';
import { OrderBookRecorder } from './order-book-recorder.service.js';

/**
 * Ingests market data (ccxt, or replay in local mode), detects closed candles and gaps, and
 * publishes normalised events on the bus. The rules live in libs/market; this module wires them.
 */
@Module({
  imports: [BusModule, PersistenceModule],
  controllers: [MarketDataHealthController],
  providers: [
    MarketDataService,
    OrderBookRecorder,
    CandleRecorder,
    {
      provide: MarketClientFactory,
      inject: [Clock],
      useFactory: (clock: Clock) => new CcxtClientFactory(clock),
    },
  ],
  // The standalone app's readiness reads its status.
  exports: [MarketDataService],
})
export class MarketDataModule implements OnApplicationBootstrap {
  private readonly logger = new Logger('market-data');

  constructor(
    private readonly exchanges: ExchangesConfig,
    private readonly runtime: RuntimeSettings,
  ) {}

  onApplicationBootstrap(): void {
    if (this.runtime.marketData === 'replay') return;
    for (const exchange of this.exchanges.exchanges) {
      if (!exchange.enabled) continue;
      this.logger.log(
        `${exchange.id}: ${exchange.symbols.join(', ')} × ${exchange.timeframes.join(', ')} (live)`,
      );
    }
  }
}
