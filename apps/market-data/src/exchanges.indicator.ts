import { Inject, Injectable } from '@nestjs/common';
import { type HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';
import { MarketDataService } from './market-data.service.js';

/**
 * market-data's exchanges for its readiness (Terminus indicator), from `MarketDataService.status()`
 * and by its rule, as `/health/market-data` answers: `down` only when every exchange is down,
 * `degraded` when any is not ok (the others still publish), naming each with its reason. A replay
 * has no exchange feed: `up`, with its progress.
 */
@Injectable()
export class ExchangesHealthIndicator {
  constructor(
    private readonly health: HealthIndicatorService,
    // Only its status is read; typed so, a spec hands it a stand-in instead of a live ingestion.
    @Inject(MarketDataService) private readonly marketData: Pick<MarketDataService, 'status'>,
  ) {}

  isHealthy<const Key extends string>(key: Key): HealthIndicatorResult<Key> {
    const indicator = this.health.check(key);
    const { source, status, exchanges, replay } = this.marketData.status();
    const details = {
      source,
      exchanges: exchanges.map(({ exchange, status: health, reason, streams }) => ({
        exchange,
        status: health,
        reason,
        streams: streams.kinds,
      })),
      ...(replay !== null && { replay: { published: replay.published, finished: replay.finished } }),
    };
    if (status === 'ok') return indicator.up(details);
    const message = exchanges
      .filter((exchange) => exchange.status !== 'ok')
      .map((exchange) => `${exchange.exchange}: ${exchange.reason ?? exchange.status}`)
      .join('; ');
    return status === 'down'
      ? indicator.down({ message, ...details })
      : indicator.degraded({ message, ...details });
  }
}
