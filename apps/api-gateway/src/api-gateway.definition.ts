import { notificationsStartRefusal } from '@app/config';
import { ServiceName } from '@app/contracts';
import { gatewayStartRefusal } from '@app/gateway';
import type { ServiceDefinition } from '@app/platform';
import { ApiGatewayModule } from './api-gateway.module.js';
import { configureGateway } from './api-gateway.setup.js';

export const apiGatewayService: ServiceDefinition = {
  name: ServiceName.ApiGateway,
  hosts: [ServiceName.ApiGateway],
  modules: [ApiGatewayModule],
  configure: [configureGateway],
  // Alerts are delivered here, so their channels' secrets are required here (not by the other apps).
  refusals: [(config) => gatewayStartRefusal(config.environment), notificationsStartRefusal],
};
