import { ServiceName } from '@app/contracts';
import type { ServiceDefinition } from '@app/platform';
import { MarketDataReadinessModule } from './market-data-readiness.module.js';
import { MarketDataModule } from './market-data.module.js';

export const marketDataService: ServiceDefinition = {
  name: ServiceName.MarketData,
  hosts: [ServiceName.MarketData],
  // Its own /health/ready only when it runs alone: in local mode the gateway answers readiness.
  modules: [MarketDataModule, MarketDataReadinessModule],
};
