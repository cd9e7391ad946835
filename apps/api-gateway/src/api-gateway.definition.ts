import { ServiceName } from '@app/contracts';
import type { ServiceDefinition } from '@app/platform';
import { ApiGatewayModule } from './api-gateway.module.js';
import { configureGateway } from './api-gateway.setup.js';

export const apiGatewayService: ServiceDefinition = {
  name: ServiceName.ApiGateway,
  hosts: [ServiceName.ApiGateway],
  modules: [ApiGatewayModule],
  configure: [configureGateway],
};
