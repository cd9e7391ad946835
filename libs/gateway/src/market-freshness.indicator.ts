import { Injectable } from '@nestjs/common';
import { type HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';
import { MarketBoard } from './market-board.js';

/**
 * Market-data freshness for the gateway's readiness (Terminus indicator), per exchange from the
 * closed candles seen on the bus (`MarketBoard.freshness`): `degraded`, naming the streams
 * behind, when any is stale or has had no candle, or when no market is tracked at all. Never
 * `down`: the gateway still answers from the store, only its live data is behind.
 */
@Injectable()
export class MarketFreshnessHealthIndicator {
  constructor(
    private readonly health: HealthIndicatorService,
    private readonly board: MarketBoard,
  ) {}

  isHealthy<const Key extends string>(key: Key): HealthIndicatorResult<Key> {
    const indicator = this.health.check(key);
    const exchanges = this.board.freshness();
    const behind = exchanges.filter((exchange) => exchange.status !== 'ok');
    if (exchanges.length === 0) return indicator.degraded({ message: 'no market is tracked', exchanges });
    if (behind.length > 0)
      return indicator.degraded({
        message: behind.map((e) => `${e.exchange}: ${e.reason ?? 'stale'}`).join('; '),
        exchanges,
      });
    return indicator.up({ exchanges });
  }
}
