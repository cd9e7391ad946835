import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import helmet from 'helmet';
import { AppConfig } from '@app/config';
import { SERVICE_VERSION } from '@app/contracts';
import { ApiKeyRing, GatewayMetrics } from '@app/gateway';
import { ErrorsFilter } from './http/errors.filter.js';
import { RequestContextMiddleware } from './http/request-context.middleware.js';
import { API_KEY_SCHEME } from './http/guards.js';
import { createValidationPipe } from './http/validation.js';
import { GatewayRedis } from './ops/gateway-redis.js';
import { SignalsIoAdapter } from './socket/signals-io.adapter.js';

/**
 * Application-level set-up of a process hosting the gateway: security headers, one error shape,
 * validation of every DTO, the Socket.IO adapter, and the OpenAPI document at /docs(-json).
 */
export function configureGateway(app: INestApplication): void {
  // First of all, so every answer (a 413 from the body parser, a 404) has a request id and is timed.
  const context = new RequestContextMiddleware(app.get(ApiKeyRing), app.get(GatewayMetrics));
  app.use(context.use.bind(context));
  // The docs page loads its own scripts and styles; everything else gets helmet's strict defaults.
  app.use(
    helmet({
      contentSecurityPolicy: {
        directives: { 'script-src': ["'self'", "'unsafe-inline'"], 'img-src': ["'self'", 'data:'] },
      },
    }),
  );
  app.useGlobalFilters(new ErrorsFilter());
  app.useGlobalPipes(createValidationPipe());
  app.useWebSocketAdapter(new SignalsIoAdapter(app, app.get(AppConfig), app.get(GatewayRedis)));
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Confluence API')
      .setDescription(
        'Confluence scores of crypto markets: latest results, history, on-demand analysis, signals. ' +
          'Live updates: Socket.IO namespace /signals (subscribe / unsubscribe, then confluence.updated and signal.changed).',
      )
      .setVersion(SERVICE_VERSION)
      .addApiKey({ type: 'apiKey', name: 'X-API-Key', in: 'header' }, API_KEY_SCHEME)
      .build(),
  );
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json' });
}
