import { notificationsStartRefusal } from '@app/config';
import { ServiceName } from '@app/contracts';
import { gatewayStartRefusal } from '@app/gateway';
import type { ServiceDefinition } from '@app/platform';
import { AnalysisWorkerModule } from '../apps/analysis-worker/src/analysis-worker.module.js';
import { ApiGatewayModule } from '../apps/api-gateway/src/api-gateway.module.js';
import { configureGateway } from '../apps/api-gateway/src/api-gateway.setup.js';
import { MarketDataModule } from '../apps/market-data/src/market-data.module.js';

/**
 * Local mode: one process hosts the modules of all three apps (DESIGN.md, "Runtime modes").
 * This is the only place allowed to import app modules; the lint rules keep apps from
 * importing each other.
 */
export const localService: ServiceDefinition = {
  name: ServiceName.Local,
  hosts: [ServiceName.ApiGateway, ServiceName.AnalysisWorker, ServiceName.MarketData],
  modules: [ApiGatewayModule, AnalysisWorkerModule, MarketDataModule],
  configure: [configureGateway],
  // Alerts are delivered here, so their channels' secrets are required here (not by the other apps).
  refusals: [(config) => gatewayStartRefusal(config.environment), notificationsStartRefusal],
};
