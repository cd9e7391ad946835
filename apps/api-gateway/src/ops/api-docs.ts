import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { AppConfig } from '@app/config';
import { SERVICE_VERSION } from '@app/contracts';
import { API_KEY_SCHEME } from '../http/guards.js';
import { ASYNCAPI_PATH, serveAsyncApi } from '../socket/asyncapi.js';

/**
 * The API's documents: OpenAPI at /docs (Swagger UI) and /docs-json, AsyncAPI at
 * /docs/asyncapi.json. With app.yaml `access.docs: false` (the production overlay) none of them
 * is served: each is a 404 like any unknown path. (The dashboard at `/` is served either way.)
 */
export function installApiDocs(app: NestFastifyApplication): void {
  if (!app.get(AppConfig).access.docs) return;
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Confluence API')
      .setDescription(
        'Confluence scores of crypto markets: latest results, history, on-demand analysis, signals. ' +
          'Live updates: Socket.IO namespace /signals (subscribe / unsubscribe, then confluence.updated and signal.changed), ' +
          `described by the AsyncAPI document at ${ASYNCAPI_PATH}.`,
      )
      .setVersion(SERVICE_VERSION)
      .addApiKey({ type: 'apiKey', name: 'X-API-Key', in: 'header' }, API_KEY_SCHEME)
      .build(),
  );
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json' });
  serveAsyncApi(app, document);
}
