import { Controller, Get, Header, Module } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { Clock } from '@app/contracts';
import { MarketDataMetrics } from '@app/market';
import { PersistenceModule, registerWriteMetrics, StoreWriter } from '@app/persistence';
import { MarketDataModule } from './market-data.module.js';
import { MarketDataService } from './market-data.service.js';

/**
 * GET /metrics of a standalone market-data: exchange states and request counters, candles
 * published / backfilled / missing per stream and their age, the replay, the candle and order-book
 * write path, process metrics. Not in local mode, whose gateway serves /metrics.
 */
@ApiTags('ops')
@Controller()
export class MarketDataMetricsController {
  readonly #metrics: MarketDataMetrics;

  constructor(service: MarketDataService, writer: StoreWriter, clock: Clock) {
    this.#metrics = new MarketDataMetrics(() => service.status(), {
      processMetrics: true,
      now: () => clock.now(),
    });
    registerWriteMetrics(this.#metrics.registry, () => writer.status());
  }

  @Get('metrics')
  @Header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8')
  @Header('Cache-Control', 'no-store')
  @ApiProduces('text/plain')
  @ApiOperation({ summary: 'Prometheus metrics of market-data' })
  @ApiOkResponse({ description: 'the Prometheus text exposition format', schema: { type: 'string' } })
  async scrape(): Promise<string> {
    return this.#metrics.registry.metrics();
  }
}

@Module({
  imports: [MarketDataModule, PersistenceModule],
  controllers: [MarketDataMetricsController],
})
export class MarketDataMetricsModule {}
