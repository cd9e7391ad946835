import { ServiceName } from '@app/contracts';
import type { ServiceDefinition } from '@app/platform';
import { MarketDataMetricsModule } from './market-data-metrics.controller.js';
import { MarketDataReadinessModule } from './market-data-readiness.module.js';
import { MarketDataModule } from './market-data.module.js';

export const marketDataService: ServiceDefinition = {
  name: ServiceName.MarketData,
  hosts: [ServiceName.MarketData],
  // Its own /metrics and /health/ready only when it runs alone: in local mode the gateway serves both.
  modules: [MarketDataModule, MarketDataMetricsModule, MarketDataReadinessModule],
};
