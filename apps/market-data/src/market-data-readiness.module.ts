import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { BusHealthIndicator, BusModule } from '@app/bus';
import { PersistenceModule, StoreWritesHealthIndicator } from '@app/persistence';
import { ReadinessChecks, readinessController } from '@app/platform';
import { ExchangesHealthIndicator } from './exchanges.indicator.js';
import { MarketDataModule } from './market-data.module.js';

/**
 * `GET /health/ready` of market-data on its own, in the shape every app answers (libs/platform):
 * the exchanges (`down`, 503, only when every exchange is down, as `/health/market-data`), the
 * store's write path for the candles and order books it records (`degraded` while writes fail and
 * are buffered) and the bus (its Redis in distributed mode). No store ping: market-data publishes
 * without the store, which the write path waits for. Not in local mode, whose gateway answers
 * readiness for the whole process.
 */
@Module({
  imports: [MarketDataModule, PersistenceModule, BusModule, TerminusModule],
  controllers: [readinessController({ downWhen: 'every exchange is down' })],
  providers: [
    ExchangesHealthIndicator,
    StoreWritesHealthIndicator,
    BusHealthIndicator,
    {
      provide: ReadinessChecks,
      inject: [ExchangesHealthIndicator, StoreWritesHealthIndicator, BusHealthIndicator],
      useFactory: (
        exchanges: ExchangesHealthIndicator,
        writes: StoreWritesHealthIndicator,
        bus: BusHealthIndicator,
      ) =>
        new ReadinessChecks([
          () => exchanges.isHealthy('exchanges'),
          () => writes.isHealthy('writes'),
          () => bus.isHealthy('bus'),
        ]),
    },
  ],
})
export class MarketDataReadinessModule {}
