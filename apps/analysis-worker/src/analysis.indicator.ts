import { Injectable } from '@nestjs/common';
import { type HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';
import { AnalysisDriver } from '@app/analysis';
import { MonitoringConfig } from '@app/config';

/**
 * The worker's own analysis for its readiness (Terminus indicator), from its driver's status: the
 * mode, how many markets it holds and the latest analysis lag (input published → result
 * published). `degraded` when that lag is over monitoring's `maxAnalysisLagMs` (the threshold
 * monitoring.yaml documents for readiness): results still flow, but late. Never `down`: a worker
 * holding no market is a standby in distributed mode, not a fault.
 */
@Injectable()
export class AnalysisHealthIndicator {
  constructor(
    private readonly health: HealthIndicatorService,
    private readonly driver: AnalysisDriver,
    private readonly monitoring: MonitoringConfig,
  ) {}

  isHealthy<const Key extends string>(key: Key): HealthIndicatorResult<Key> {
    const indicator = this.health.check(key);
    const status = this.driver.status();
    const lagMs = status.lagMs.last;
    const details = { mode: status.mode, markets: status.markets.length, lagMs };
    const limit = this.monitoring.health.maxAnalysisLagMs;
    if (lagMs !== null && lagMs > limit)
      return indicator.degraded({ ...details, message: `analysis lag ${lagMs} ms (over ${limit})` });
    return indicator.up(details);
  }
}
