import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { OpenAPIObject } from '@nestjs/swagger';
import { AppConfig, Environment } from '@app/config';
import { RECONNECT_SPREAD_MS } from '@app/gateway';
import {
  SERVICE_VERSION,
  SIGNALS_NAMESPACE,
  type SignalsClientEvents,
  type SignalsServerEvents,
  SocketEventName,
} from '@app/contracts';
import { ConfluenceResultDto } from '../rest/response-dtos.js';
import { restSchemasFrom } from './asyncapi-rest-schemas.js';
import {
  connectErrorSchema,
  type JsonObject,
  type JsonSchema,
  type JsonValue,
  LIVE_SIGNAL_CHANGE,
  LIVE_UPDATE,
  refusedSchema,
  SERVER_SHUTDOWN,
  socketErrorSchema,
  SUBSCRIPTION_REQUEST,
  subscribedSchema,
  UNSUBSCRIBED,
} from './asyncapi-schemas.js';
import { type AsyncApiExamples, asyncApiExamples } from './asyncapi-examples.js';

/*
 * The AsyncAPI 3.0 document of the Socket.IO namespace /signals, the live counterpart of the
 * OpenAPI document at /docs-json, served beside it. It describes the gateway (the application):
 * it receives `subscribe`/`unsubscribe` and answers each in a Socket.IO acknowledgement, and it
 * sends `confluence.updated` and `signal.changed`. Conventions, since AsyncAPI has no Socket.IO
 * binding: the server's URL is what `io()` is given (its path is the namespace), each channel is
 * one event name (its address), a message's `name` is that event name, and an acknowledgement is
 * a reply on a channel without an address (Socket.IO correlates it by packet id, not by name).
 */

/** Where the document is served, beside /docs-json and public like it. */
export const ASYNCAPI_PATH = '/docs/asyncapi.json';

interface Reference extends JsonObject {
  readonly $ref: string;
}

export interface AsyncApiMessage {
  readonly name: string;
  readonly title: string;
  readonly summary: string;
  readonly payload: Reference;
  readonly examples?: readonly { readonly name: string; readonly payload: JsonValue }[];
}

interface Channel {
  readonly address: string | null;
  readonly title: string;
  readonly description: string;
  readonly messages: Readonly<Record<string, Reference>>;
}

interface Operation {
  readonly action: 'send' | 'receive';
  readonly channel: Reference;
  readonly title: string;
  readonly summary: string;
  readonly description: string;
  readonly messages: readonly Reference[];
  readonly reply?: { readonly channel: Reference; readonly messages: readonly Reference[] };
}

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

const ref = (...path: string[]): Reference => ({ $ref: `#/${path.join('/')}` });

// The event names, checked against the typed event maps the gateway and clients use.
const CLIENT_EVENTS = {
  subscribe: SocketEventName.Subscribe,
  unsubscribe: SocketEventName.Unsubscribe,
} as const satisfies Record<string, keyof SignalsClientEvents>;
const SERVER_EVENTS = {
  confluenceUpdated: SocketEventName.ConfluenceUpdated,
  signalChanged: SocketEventName.SignalChanged,
  serverShutdown: SocketEventName.ServerShutdown,
} as const satisfies Record<string, keyof SignalsServerEvents>;

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
      'stored result in the acknowledgement, then every `confluence.updated` and `signal.changed` ' +
      'of that stream, once, whichever gateway replica the connection is on. REST and its OpenAPI ' +
      'document: /docs, /docs-json.',
    'Conventions (AsyncAPI has no Socket.IO binding): a message `name` is the Socket.IO event name; ' +
      '`subscribe`/`unsubscribe` must be emitted with an acknowledgement callback, whose one argument is the reply (the gateway sends no answer to an emit without one); ' +
      'replies are correlated by Socket.IO itself (packet id), so their channels have no address.',
    `Limits per connection: ${socket.maxSubscriptionsPerSocket} subscriptions; ${socket.messagesPerSecond} ` +
      `subscribe/unsubscribe messages per second, in bursts of up to ${socket.messagesPerSecond * 2} ` +
      `(malformed ones count too); a message over ${socket.maxMessageBytes} bytes closes the connection ` +
      `(no acknowledgement). Per client address: ${socket.maxConnectionsPerIp} connections. Heartbeat: ` +
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

const CHANNELS: Readonly<Record<string, Channel>> = {
  subscribe: {
    address: CLIENT_EVENTS.subscribe,
    title: 'subscribe',
    description:
      "Start receiving a stream's events; repeating a subscription held is answered again, not counted twice.",
    messages: { subscribe: ref('components', 'messages', 'subscribe') },
  },
  unsubscribe: {
    address: CLIENT_EVENTS.unsubscribe,
    title: 'unsubscribe',
    description: "Stop receiving a stream's events; the connection's other subscriptions stay.",
    messages: { unsubscribe: ref('components', 'messages', 'unsubscribe') },
  },
  subscribeReply: {
    address: null,
    title: 'subscribe acknowledgement',
    description: 'The acknowledgement of a `subscribe`.',
    messages: {
      subscribed: ref('components', 'messages', 'subscribed'),
      refused: ref('components', 'messages', 'refused'),
    },
  },
  unsubscribeReply: {
    address: null,
    title: 'unsubscribe acknowledgement',
    description: 'The acknowledgement of an `unsubscribe`.',
    messages: {
      unsubscribed: ref('components', 'messages', 'unsubscribed'),
      refused: ref('components', 'messages', 'refused'),
    },
  },
  confluenceUpdated: {
    address: SERVER_EVENTS.confluenceUpdated,
    title: 'confluence.updated',
    description: 'Sent to the subscribers of the stream only (its room), once per result.',
    messages: { confluenceUpdated: ref('components', 'messages', 'confluenceUpdated') },
  },
  signalChanged: {
    address: SERVER_EVENTS.signalChanged,
    title: 'signal.changed',
    description: 'Sent to the subscribers of the stream only (its room), once per change.',
    messages: { signalChanged: ref('components', 'messages', 'signalChanged') },
  },
  serverShutdown: {
    address: SERVER_EVENTS.serverShutdown,
    title: 'server.shutdown',
    description: 'Sent to every connection of a replica that stops, just before it closes the connection.',
    messages: { serverShutdown: ref('components', 'messages', 'serverShutdown') },
  },
  connectError: {
    address: null,
    title: 'connection refused',
    description: "Socket.IO's CONNECT_ERROR packet, the answer to a handshake the namespace refuses.",
    messages: { connectionRefused: ref('components', 'messages', 'connectionRefused') },
  },
};

/** An operation on a channel of one message; the gateway's perspective (it receives what clients emit). */
function operation(
  action: Operation['action'],
  channel: string,
  text: Pick<Operation, 'title' | 'summary' | 'description'>,
  reply?: string,
): Operation {
  const messagesOf = (name: string): Reference[] =>
    Object.keys(CHANNELS[name]?.messages ?? {}).map((message) => ref('channels', name, 'messages', message));
  return {
    action,
    channel: ref('channels', channel),
    ...text,
    messages: messagesOf(channel),
    ...(reply === undefined
      ? {}
      : { reply: { channel: ref('channels', reply), messages: messagesOf(reply) } }),
  };
}

function operations(settings: AsyncApiSettings): Readonly<Record<string, Operation>> {
  const { maxSubscriptionsPerSocket: max } = settings.socket;
  return {
    subscribe: operation(
      'receive',
      'subscribe',
      {
        title: 'Subscribe to a stream',
        summary: 'Join the room of one market stream and get its latest stored result.',
        description:
          'Refused with bad-request (malformed), unknown-market (not tracked: GET /v1/markets), ' +
          `limit-exceeded (already ${max} other subscriptions) or rate-limited. The room is joined before the ` +
          'snapshot is read, so no update falls between them (one may arrive twice: as snapshot and event).',
      },
      'subscribeReply',
    ),
    unsubscribe: operation(
      'receive',
      'unsubscribe',
      {
        title: 'Unsubscribe from a stream',
        summary: 'Leave the room of one market stream.',
        description:
          'Refused with bad-request or rate-limited (or internal): the stream is not looked up, and leaving ' +
          'a room not joined is answered ok.',
      },
      'unsubscribeReply',
    ),
    confluenceUpdated: operation('send', 'confluenceUpdated', {
      title: 'A new confluence result',
      summary: 'Every result the analysis worker publishes for the stream: on candle close and on refresh.',
      description:
        'The bus event as validated, without the domain result it carries for the gateways (LiveUpdatePayload).',
    }),
    signalChanged: operation('send', 'signalChanged', {
      title: 'The signal label changed',
      summary: "The stream's label (LONG / NEUTRAL / SHORT) moved.",
      description: 'The bus event, as published and validated (SignalChangedEvent).',
    }),
    serverShutdown: operation('send', 'serverShutdown', {
      title: 'Tell a connection to reconnect',
      summary: 'The replica is stopping: the connection closes next, then reconnect and subscribe again.',
      description:
        'The close is a transport close (socket.io-client reconnects by itself, with its own backoff); ' +
        `\`retryAfterMs\` spreads the reconnections of a replica over up to ${RECONNECT_SPREAD_MS} ms.`,
    }),
    connectError: operation('send', 'connectError', {
      title: 'Refuse a connection',
      summary:
        'The handshake is refused: no valid API key (when required), or too many connections from the address.',
      description: 'Nothing is counted for a refused connection; the client may retry later.',
    }),
  };
}

/** Each message: its Socket.IO event name (or the reply's name), payload schema and summary. */
const MESSAGES = {
  subscribe: [CLIENT_EVENTS.subscribe, 'SubscriptionRequest', 'The stream to subscribe to.'],
  unsubscribe: [
    CLIENT_EVENTS.unsubscribe,
    'SubscriptionRequest',
    'The stream to unsubscribe from (either symbol form).',
  ],
  subscribed: ['subscribed', 'Subscribed', 'ok: true, with the snapshot.'],
  unsubscribed: ['unsubscribed', 'Unsubscribed', 'ok: true.'],
  refused: ['refused', 'Refused', 'ok: false, with the error.'],
  confluenceUpdated: [
    SERVER_EVENTS.confluenceUpdated,
    'LiveUpdate',
    'A new confluence result of the stream.',
  ],
  signalChanged: [SERVER_EVENTS.signalChanged, 'LiveSignalChange', "The stream's label changed."],
  serverShutdown: [SERVER_EVENTS.serverShutdown, 'ServerShutdown', 'This replica stops: reconnect.'],
  connectionRefused: ['connect_error', 'ConnectError', 'Why the connection was refused.'],
} as const satisfies Record<keyof AsyncApiExamples, readonly [string, string, string]>;

function messages(examples: AsyncApiExamples): Record<string, AsyncApiMessage> {
  const result: Record<string, AsyncApiMessage> = {};
  for (const id of Object.keys(MESSAGES) as (keyof AsyncApiExamples)[]) {
    const [name, schema, summary] = MESSAGES[id];
    result[id] = {
      name,
      title: name,
      summary,
      payload: ref('components', 'schemas', schema),
      examples: Object.entries(examples[id]).map(([example, payload]) => ({ name: example, payload })),
    };
  }
  return result;
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
    ServerShutdown: SERVER_SHUTDOWN,
    ConnectError: connectErrorSchema(connectRefusals(settings)),
  };
  return {
    asyncapi: '3.0.0',
    info: { title: 'Confluence live API', version: settings.version, description: description(settings) },
    defaultContentType: 'application/json',
    servers: { gateway: server(settings) },
    channels: CHANNELS,
    operations: operations(settings),
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
