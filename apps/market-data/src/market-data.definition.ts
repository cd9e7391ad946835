import { ServiceName } from '@app/contracts';
import type { ServiceDefinition } from '@app/platform';
import { MarketDataModule } from './market-data.module.js';

export const marketDataService: ServiceDefinition = {
  name: ServiceName.MarketData,
  hosts: [ServiceName.MarketData],
  modules: [MarketDataModule],
};
