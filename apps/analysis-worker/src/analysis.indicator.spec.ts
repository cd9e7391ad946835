import { beforeAll, describe, expect, it } from '@jest/globals';
import { HealthIndicatorService } from '@nestjs/terminus';
import {
  type AnalysisCounters,
  AnalysisDriver,
  type DistributedAnalysisStatus,
  type LocalAnalysisStatus,
} from '@app/analysis';
import { loadConfig, type MonitoringConfig } from '@app/config';
// By path: the @app/testing barrel also loads mongoose and the fake exchange.
import { PROJECT_CONFIG_DIR } from '../../../libs/testing/src/config-fixture.js';
import { AnalysisHealthIndicator } from './analysis.indicator.js';

/**
 * The worker's analysis indicator over a stand-in driver that reports the status it is given
 * (the drivers' own status is proven in libs/analysis), with the project's monitoring.yaml:
 * lag over 5,000 ms is degraded.
 */

const COUNTERS: AnalysisCounters = {
  candles: 10,
  results: 10,
  refreshes: 0,
  signals: 1,
  skippedCandles: 0,
  coalesced: 0,
  rejected: 0,
  storeRefused: 0,
};

class ReportingDriver extends AnalysisDriver {
  readonly stopsAt = 'before-shutdown' as const;

  constructor(private readonly reported: LocalAnalysisStatus | DistributedAnalysisStatus) {
    super();
  }

  start(): void {
    // Nothing runs: only the status is read.
  }

  async shutdown(): Promise<void> {
    // Nothing to stop.
  }

  status(): LocalAnalysisStatus | DistributedAnalysisStatus {
    return this.reported;
  }
}

function local(lastLagMs: number | null): LocalAnalysisStatus {
  return {
    mode: 'local',
    markets: ['binance:BTC/USDT', 'binance:LTC/USDT'],
    counters: COUNTERS,
    lagMs: { last: lastLagMs, p50: lastLagMs, p99: lastLagMs },
  };
}

let monitoring: MonitoringConfig;

beforeAll(() => {
  monitoring = loadConfig({ env: { CONFIG_DIR: PROJECT_CONFIG_DIR } }).monitoring;
});

function indicatorOf(status: LocalAnalysisStatus | DistributedAnalysisStatus): AnalysisHealthIndicator {
  return new AnalysisHealthIndicator(new HealthIndicatorService(), new ReportingDriver(status), monitoring);
}

describe('AnalysisHealthIndicator', () => {
  it('is up with the mode, the markets held and no lag before the first result', () => {
    expect(indicatorOf(local(null)).isHealthy('analysis')).toEqual({
      analysis: { status: 'up', mode: 'local', markets: 2, lagMs: null },
    });
  });

  it('is up for a distributed worker holding no market (a standby), its lag within maxAnalysisLagMs', () => {
    const standby: DistributedAnalysisStatus = {
      mode: 'distributed',
      workerId: 'host-1-abcd',
      markets: [],
      counters: COUNTERS,
      lagMs: { last: 5_000, p50: 40, p99: 5_000 },
      takeovers: 0,
      restores: 0,
      rebuilds: 0,
      snapshotsSaved: 0,
      lostCommits: 0,
      ownership: { acquired: 0, lost: {} },
    };

    expect(indicatorOf(standby).isHealthy('analysis')).toEqual({
      analysis: { status: 'up', mode: 'distributed', markets: 0, lagMs: 5_000 },
    });
  });

  it('is degraded, saying by how much, when the latest lag is over maxAnalysisLagMs', () => {
    expect(indicatorOf(local(7_500)).isHealthy('analysis')).toEqual({
      analysis: {
        status: 'degraded',
        mode: 'local',
        markets: 2,
        lagMs: 7_500,
        message: 'analysis lag 7500 ms (over 5000)',
      },
    });
  });
});
