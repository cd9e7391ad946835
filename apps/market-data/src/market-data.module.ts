import { Logger, Module, type OnApplicationBootstrap } from '@nestjs/common';
import { ExchangesConfig, RuntimeSettings } from '@app/config';

/**
 * Ingests market data (ccxt, or replay in local mode), detects closed candles and gaps, and
 * publishes normalised events. Providers are wired here as they are built; rules live in libs.
 */
@Module({})
export class MarketDataModule implements OnApplicationBootstrap {
  private readonly logger = new Logger('market-data');

  constructor(
    private readonly exchanges: ExchangesConfig,
    private readonly runtime: RuntimeSettings,
  ) {}

  onApplicationBootstrap(): void {
    for (const exchange of this.exchanges.exchanges) {
      if (!exchange.enabled) continue;
      this.logger.log(
        `${exchange.id}: ${exchange.symbols.join(', ')} × ${exchange.timeframes.join(', ')} (source ${this.runtime.marketData})`,
      );
    }
  }
}
