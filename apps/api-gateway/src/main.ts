import 'reflect-metadata';
import { runService } from '@app/platform';
import { apiGatewayService } from './api-gateway.definition.js';

await runService(apiGatewayService);
