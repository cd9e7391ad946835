import type { INestApplication } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { AppConfig } from '@app/config';
import { AccessPolicy, ApiKeyRing, GatewayMetrics } from '@app/gateway';
import { ErrorsFilter } from './http/errors.filter.js';
import { installArrayBoundsScan } from './http/array-bounds.js';
import { installBodyDecoding } from './http/body-decoding.js';
import { gatewaySecurityHeaders, installSecurityHeaders } from './http/security-headers.js';
import { EndpointGate } from './http/endpoint-gate.js';
import { RequestContextHooks } from './http/request-context.hooks.js';
import { createValidationPipe, installJsonDepthLimit } from './http/validation.js';
import { installApiDocs } from './ops/api-docs.js';
import { installDashboard } from './ops/dashboard.js';
import { SignalsIoAdapter } from './socket/signals-io.adapter.js';

/**
 * What every REST answer depends on (controller specs install the same): the request context
 * (request id, API key, timing), compressed bodies, array bounds counted as the body arrives, the
 * JSON depth limit, the one error shape and the validation pipe.
 * First of all, so every answer (a 413 for a too-large body, a 404) has a request id and is timed.
 */
export function installRestEdge(app: NestFastifyApplication): void {
  const fastify = app.getHttpAdapter().getInstance();
  new RequestContextHooks(app.get(ApiKeyRing), app.get(AccessPolicy), app.get(GatewayMetrics)).install(
    fastify,
  );
  // Before body decoding: a request refused for its key or its rate is never read.
  EndpointGate.of(app).install(fastify);
  installBodyDecoding(fastify);
  // After decoding: the arrays are counted in the JSON, as it arrives.
  installArrayBoundsScan(fastify);
  installJsonDepthLimit(fastify);
  app.useGlobalFilters(new ErrorsFilter());
  app.useGlobalPipes(createValidationPipe());
}

/**
 * Application-level set-up of a process hosting the gateway: security headers on every answer
 * (security-headers.ts), one error shape, validation of every DTO, the Socket.IO adapter, the
 * API documents at /docs (ops/api-docs.ts) and the dashboard at / (ops/dashboard.ts).
 */
export async function configureGateway(nest: INestApplication): Promise<void> {
  const app = nest as NestFastifyApplication;
  const fastify = app.getHttpAdapter().getInstance();
  installRestEdge(app);
  installSecurityHeaders(fastify, gatewaySecurityHeaders());
  app.useWebSocketAdapter(new SignalsIoAdapter(app, app.get(AppConfig)));
  installApiDocs(app);
  await installDashboard(app);
}
