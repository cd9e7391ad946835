import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { OpenAPIObject } from '@nestjs/swagger';
import { AppConfig, Environment } from '@app/config';
import { SERVICE_VERSION, SIGNALS_NAMESPACE } from '@app/contracts';
import { ConfluenceResultDto } from '../rest/response-dtos.js';
import {
  type AsyncApiMessage,
  type Channel,
  CHANNELS,
  messages,
  type Operation,
  operations,
  ref,
} from './asyncapi-channels.js';
import { LIVE_LLM_OPINION } from './asyncapi-opinion-schemas.js';
import { restSchemasFrom } from './asyncapi-rest-schemas.js';
import {
  connectErrorSchema,
  type JsonObject,
  type JsonSchema,
  LIVE_SIGNAL_CHANGE,
  LIVE_UPDATE,
  refusedSchema,
  SERVER_SHUTDOWN,
  socketErrorSchema,
  SUBSCRIPTION_REQUEST,
  subscribedSchema,
  UNSUBSCRIBED,
} from './asyncapi-schemas.js';
import { asyncApiExamples } from './asyncapi-examples.js';

export type { AsyncApiMessage } from './asyncapi-channels.js';

/*
 * The AsyncAPI 3.0 document of the Socket.IO namespace /signals, the live counterpart of the
 * OpenAPI document at /docs-json, served beside it. It describes the gateway (the application):
 * it receives `subscribe`/`unsubscribe` and answers each in a Socket.IO acknowledgement, and it
 * sends `confluence.updated`, `signal.changed` and `llm.opinion` (the catalogue of channels,
 * operations and messages: asyncapi-channels.ts). Conventions, since AsyncAPI has no Socket.IO
 * binding: the server's URL is what `io()` is given (its path is the namespace), each channel is
 * one event name (its address), a message's `name` is that event name, and an acknowledgement is
 * a reply on a channel without an address (Socket.IO correlates it by packet id, not by name).
 */

/** Where the document is served, beside /docs-json and public like it. */
export const ASYNCAPI_PATH = '/docs/asyncapi.json';

export interface AsyncApiDocument {
  readonly asyncapi: '3.0.0';
  readonly info: { readonly title: string; readonly version: string; readonly description: string };
  readonly defaultContentType: 'application/json';
  readonly servers: Readonly<Record<string, JsonObject>>;
  readonly channels: Readonly<Record<string, Channel>>;
  readonly operations: Readonly<Record<string, Operation>>;
  readonly components: {
    readonly schemas: Readonly<Record<string, JsonObject>>;
    readonly messages: Readonly<Record<string, AsyncApiMessage>>;
    readonly securitySchemes: Readonly<Record<string, JsonObject>>;
  };
}

/** app.yaml's `socket:` section, as plain data. */
export type SocketSettings = { readonly [K in keyof AppConfig['socket']]: AppConfig['socket'][K] };

/** What the document states about one deployment (app.yaml and the REST schemas). */
export interface AsyncApiSettings {
  readonly version: string;
  /** Host and port clients reach the gateway at: the default of the server's `host` variable. */
  readonly host: string;
  readonly socket: SocketSettings;
  readonly socketsRequireKey: boolean;
  readonly corsOrigins: readonly string[];
  /** `components.schemas` of the OpenAPI document (the snapshot is GET latest's body). */
  readonly restSchemas: Readonly<Record<string, unknown>> | undefined;
}

/** The messages of the connect refusals (signals.gateway.ts `#admit`; the text is what clients see). */
export function connectRefusals(settings: Pick<AsyncApiSettings, 'socket' | 'socketsRequireKey'>): string[] {
  return [
    ...(settings.socketsRequireKey
      ? ['unauthorized: a valid API key is required (auth.apiKey or X-API-Key)']
      : []),
    `too many connections from this address (max ${settings.socket.maxConnectionsPerIp})`,
  ];
}

function description(settings: AsyncApiSettings): string {
  const { socket } = settings;
  return [
    'Live confluence results of the tracked market streams over Socket.IO (v4 clients), namespace ' +
      `\`${SIGNALS_NAMESPACE}\`. Subscribe to a stream (exchange, symbol, timeframe), get its latest ` +
      'stored result in the acknowledgement, then every `confluence.updated`, `signal.changed` and `llm.opinion` ' +
      'of that stream, once, whichever gateway replica the connection is on. REST and its OpenAPI ' +
      'document: /docs, /docs-json.',
    'Conventions (AsyncAPI has no Socket.IO binding): a message `name` is the Socket.IO event name; ' +
      '`subscribe`/`unsubscribe` must be emitted with an acknowledgement callback, whose one argument is the reply (the gateway sends no answer to an emit without one); ' +
      'replies are correlated by Socket.IO itself (packet id), so their channels have no address.',
    `Limits per connection: ${socket.maxSubscriptionsPerSocket} subscriptions; ${socket.messagesPerSecond} ` +
      `subscribe/unsubscribe messages per second, in bursts of up to ${socket.messagesPerSecond * 2} ` +
      `(malformed ones count too); a message over ${socket.maxMessageBytes} bytes closes the connection ` +
      `(no acknowledgement). Per client address: ${socket.maxConnectionsPerIp} connections, counted from the ` +
      'Engine.IO handshake whether or not they join a namespace: past that the handshake itself is refused ' +
      '(HTTP 403 when polling, 400 on a WebSocket upgrade, the reason in the body; socket.io-client reports a ' +
      `transport error), and a connection that joins no namespace within ${socket.connectTimeoutMs} ms is closed. Heartbeat: ` +
      `a ping every ${socket.pingIntervalMs} ms, a client silent for ${socket.pingIntervalMs + socket.pingTimeoutMs} ms is dropped.`,
    'On reconnect, subscribe again: the server keeps no session (no connection-state recovery), and ' +
      'each new subscribe answers a fresh snapshot. Events carry no sequence number; ' +
      '`candleTime` and `computedAt` order the results of a stream. A replica that stops sends ' +
      '`server.shutdown` to each connection, then closes it: reconnect (after `retryAfterMs`) and subscribe again.',
  ].join('\n\n');
}

function server(settings: AsyncApiSettings): JsonObject {
  const origins = settings.corsOrigins.length === 0 ? 'none' : settings.corsOrigins.join(', ');
  return {
    host: '{host}',
    pathname: SIGNALS_NAMESPACE,
    protocol: 'ws',
    protocolVersion: '5',
    title: 'Confluence API gateway',
    description:
      'The gateway: `io("http://{host}/signals")` (wss:// / https:// behind TLS). Socket.IO protocol 5 ' +
      'over Engine.IO 4 at the HTTP path /socket.io/, by WebSocket or by HTTP long-polling that ' +
      `upgrades to it. Browser origins allowed (CORS): ${origins}.` +
      (settings.socketsRequireKey
        ? ' A connection needs an API key: `auth: { apiKey }` in the handshake, or the X-API-Key header.'
        : ' No API key is needed to connect (app.yaml access.socketsRequireKey is false).'),
    variables: {
      host: { default: settings.host, description: 'host and port the gateway is reached at' },
    },
    ...(settings.socketsRequireKey ? { security: [ref('components', 'securitySchemes', 'apiKey')] } : {}),
  };
}

export function buildAsyncApiDocument(settings: AsyncApiSettings): AsyncApiDocument {
  const snapshot = ConfluenceResultDto.name;
  const schemas: Readonly<Record<string, JsonSchema | JsonObject>> = {
    ...restSchemasFrom(settings.restSchemas, snapshot),
    SubscriptionRequest: SUBSCRIPTION_REQUEST,
    Subscribed: subscribedSchema(ref('components', 'schemas', snapshot)),
    Unsubscribed: UNSUBSCRIBED,
    SocketError: socketErrorSchema(settings.socket),
    Refused: refusedSchema(ref('components', 'schemas', 'SocketError')),
    LiveUpdate: LIVE_UPDATE,
    LiveSignalChange: LIVE_SIGNAL_CHANGE,
    LiveLlmOpinion: LIVE_LLM_OPINION,
    ServerShutdown: SERVER_SHUTDOWN,
    ConnectError: connectErrorSchema(connectRefusals(settings)),
  };
  return {
    asyncapi: '3.0.0',
    info: { title: 'Confluence live API', version: settings.version, description: description(settings) },
    defaultContentType: 'application/json',
    servers: { gateway: server(settings) },
    channels: CHANNELS,
    operations: operations(settings.socket),
    components: {
      schemas,
      messages: messages(asyncApiExamples(settings.socket)),
      securitySchemes: {
        apiKey: {
          type: 'httpApiKey',
          name: 'X-API-Key',
          in: 'header',
          description:
            'A configured API key (API_KEY_HASHES), checked once at the handshake. Browsers cannot set ' +
            'headers on a WebSocket: they send it as `auth: { apiKey }` in the Socket.IO handshake instead.',
        },
      },
    },
  };
}

/**
 * Serves the document at ASYNCAPI_PATH, built once at boot. A plain Fastify route, as
 * SwaggerModule serves /docs-json: no Nest guard, throttler or pipe applies to either, and no
 * global prefix. Cacheable for a few minutes (it changes only with a deployment).
 */
export function serveAsyncApi(app: NestFastifyApplication, openApi: OpenAPIObject): void {
  const config = app.get(AppConfig);
  const port = app.get(Environment).port ?? config.http.ports.apiGateway;
  const body = JSON.stringify(
    buildAsyncApiDocument({
      version: SERVICE_VERSION,
      host: `localhost:${port}`,
      socket: config.socket,
      socketsRequireKey: config.access.socketsRequireKey,
      corsOrigins: config.cors.origins,
      restSchemas: openApi.components?.schemas,
    }),
  );
  app
    .getHttpAdapter()
    .getInstance()
    .get(ASYNCAPI_PATH, (_request, reply) =>
      reply.header('Cache-Control', 'public, max-age=300').type('application/json; charset=utf-8').send(body),
    );
}
