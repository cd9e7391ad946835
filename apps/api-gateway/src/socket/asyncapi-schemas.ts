import {
  COMPONENT_NAMES,
  type ComponentName,
  DataSource,
  type HorizonProbability,
  type LiveSignalChange,
  type LiveUpdate,
  MAX_TIME_MS,
  MIN_TIME_MS,
  type ServerShutdownNotice,
  Signal,
  type SocketError,
  SocketErrorCode,
  type SubscribeAck,
  type SubscriptionRequest,
  TIMEFRAMES,
  type UnsubscribeAck,
  UpdateTrigger,
} from '@app/contracts';
import { EXCHANGE_PATTERN, SYMBOL_PATTERN } from '@app/contracts/dto';
import { RECONNECT_SPREAD_MS } from '@app/gateway';

/*
 * The JSON Schemas (AsyncAPI Schema Objects, a superset of JSON Schema draft-07) of what travels
 * on `/signals`. Each object schema is typed by the contract type it documents, so adding,
 * removing or renaming a field there fails to compile here; enums and patterns come from the
 * shared vocabulary; bounds restate the payload classes' class-validator decorators, and a spec
 * checks them against those decorators value by value.
 *
 * Every object lists all its fields (`additionalProperties: false`): the bus refuses a payload
 * with an undeclared field on receipt, and the gateway builds its acknowledgements itself, so
 * the wire carries no other (the socket e2e validates real messages to prove it).
 */

export type JsonValue = string | number | boolean | null | readonly JsonValue[] | JsonObject;
export interface JsonObject {
  readonly [key: string]: JsonValue | undefined;
}

type JsonType = 'string' | 'number' | 'integer' | 'boolean' | 'object' | 'array' | 'null';

/** The keywords these schemas use (JSON Schema draft-07). */
export interface JsonSchema extends JsonObject {
  readonly $ref?: string;
  readonly type?: JsonType | readonly JsonType[];
  readonly title?: string;
  readonly description?: string;
  readonly enum?: readonly JsonValue[];
  readonly const?: JsonValue;
  readonly pattern?: string;
  readonly format?: string;
  readonly minLength?: number;
  readonly maxLength?: number;
  readonly maxItems?: number;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly properties?: Readonly<Record<string, JsonSchema>>;
  readonly required?: readonly string[];
  readonly additionalProperties?: boolean | JsonSchema;
  readonly items?: JsonSchema;
  readonly oneOf?: readonly JsonSchema[];
  readonly examples?: readonly JsonValue[];
}

/** One schema per field of `T`, none missing and none extra (the compiler checks both). */
export type Properties<T> = { readonly [K in keyof T]-?: JsonSchema };

/** An object schema of `T`: every field required except those named optional. */
export function objectOf<T>(
  description: string,
  properties: Properties<T>,
  optional: readonly (keyof T & string)[] = [],
): JsonSchema {
  return {
    type: 'object',
    description,
    properties,
    required: Object.keys(properties).filter((name) => !optional.includes(name as keyof T & string)),
    additionalProperties: false,
  };
}

/** A pattern written for a JS RegExp, without its anchors (to build a larger one). */
const inner = (pattern: RegExp): string => pattern.source.replace(/^\^/, '').replace(/\$$/, '');

export const SIGNALS: readonly Signal[] = Object.values(Signal);
export const SCORE = { type: 'number', minimum: 0, maximum: 100 } as const;
/** The one range of every time field (libs/contracts time-range.ts). */
export const TIME_MS = { type: 'integer', minimum: MIN_TIME_MS, maximum: MAX_TIME_MS } as const;
export const SHA256 = { type: 'string', pattern: '^[0-9a-f]{64}$' } as const;
const TIMEFRAME: JsonSchema = {
  type: 'string',
  enum: TIMEFRAMES,
  description: 'candle timeframe (ccxt notation)',
};
/** The bus form of a unified symbol, always with a slash, as MarketEventBase checks it. */
const UNIFIED_SYMBOL = '[A-Z0-9]+/[A-Z0-9]+(:[A-Z0-9]+)?';

/** The stream fields every server event starts with (MarketEventBase and the timeframe). */
export const STREAM_FIELDS = {
  exchange: { type: 'string', minLength: 1, description: 'ccxt exchange id', examples: ['binance'] },
  symbol: {
    type: 'string',
    pattern: `^${UNIFIED_SYMBOL}$`,
    description: 'unified symbol, always with a slash (`BTC/USDT`), whichever form was subscribed',
    examples: ['BTC/USDT'],
  },
  timeframe: TIMEFRAME,
  source: {
    type: 'string',
    enum: Object.values(DataSource),
    description: 'where the market data came from: an exchange (live) or a replayed file',
  },
  emittedAt: { ...TIME_MS, description: 'when it was published on the bus (ms since the epoch, UTC)' },
} as const satisfies Properties<
  Pick<LiveUpdate, 'exchange' | 'symbol' | 'timeframe' | 'source' | 'emittedAt'>
>;

export const SUBSCRIPTION_REQUEST = objectOf<SubscriptionRequest>(
  'One market stream. Validated with the REST rules (SubscriptionDto); any other field is refused.',
  {
    exchange: {
      type: 'string',
      pattern: EXCHANGE_PATTERN.source,
      description: 'a ccxt exchange id like binance (GET /v1/markets lists the tracked streams)',
      examples: ['binance'],
    },
    symbol: {
      type: 'string',
      pattern: SYMBOL_PATTERN.source,
      description: '`BTC/USDT` (or `BTC-USDT`, as in REST paths); both name the same stream and room',
      examples: ['BTC/USDT', 'BTC-USDT'],
    },
    timeframe: TIMEFRAME,
  },
);

const NULLABLE_SCORE: JsonSchema = {
  type: ['number', 'null'],
  minimum: 0,
  maximum: 100,
  description: '0–100, or null when the component had no data',
};

// Built from COMPONENT_NAMES; the annotation still makes the compiler check them against the payload.
const COMPONENT_SCORES: Properties<LiveUpdate['components']> = Object.fromEntries(
  COMPONENT_NAMES.map((name) => [name, NULLABLE_SCORE]),
) as Record<ComponentName, JsonSchema>;

type Sufficient = Extract<HorizonProbability, { sufficient: true }>;
type Insufficient = Extract<HorizonProbability, { sufficient: false }>;
const UNIT = { type: 'number', minimum: 0, maximum: 1 } as const;

/** `probability` of a result (REST declares the same in ConfluenceResultDto). */
export const RESULT_PROBABILITY: JsonSchema = {
  type: 'object',
  description:
    'P(close h candles later > close now) for this score, by horizon h in candles (validation.yaml ' +
    'horizons): from the stream’s score → P(up) map, refitted on an interval from its forward-validation ' +
    'samples. Absent until the stream’s first fit; a horizon below the sufficiency floor gives only its n.',
  additionalProperties: {
    oneOf: [
      objectOf<Sufficient>('enough independent samples: the probability and its reliability', {
        sufficient: { const: true },
        up: { ...UNIT, description: 'probability of an up move' },
        n: { type: 'integer', minimum: 0, description: 'samples the map was fitted on' },
        brier: { ...UNIT, description: 'out-of-sample (walk-forward) Brier score of the map' },
        brierBase: { ...UNIT, description: 'Brier score of forecasting the base rate instead' },
      }),
      objectOf<Insufficient>('too few independent samples: no probability is given', {
        sufficient: { const: false },
        n: { type: 'integer', minimum: 0, description: 'samples with a forward return so far' },
      }),
    ],
  },
};

export const LIVE_UPDATE = objectOf<LiveUpdate>(
  'A new confluence result of a market stream: the compact (Socket.IO) shape plus provenance ' +
    '(LiveUpdatePayload: the bus event without its domain result). Times are ms since the epoch here, where ' +
    'the REST result and the subscribe snapshot write ISO 8601 strings.',
  {
    ...STREAM_FIELDS,
    candleTime: { ...TIME_MS, description: 'open time of the candle the result belongs to (ms, UTC)' },
    trigger: {
      type: 'string',
      enum: Object.values(UpdateTrigger),
      description:
        'candle: a closed candle (the result is stored); refresh: a fresher order book or flow ' +
        'between closes (published, never stored, so GET latest and the snapshot do not show it)',
    },
    inputEmittedAt: {
      ...TIME_MS,
      description:
        'when market-data published the input that triggered it; emittedAt − inputEmittedAt is the lag',
    },
    computedAt: { ...TIME_MS, description: 'when the worker computed it (ms, UTC)' },
    score: { ...SCORE, description: 'confluence score: 0 strongly bearish, 100 strongly bullish' },
    label: {
      type: 'string',
      enum: SIGNALS,
      description: 'the signal the score maps to (thresholds: GET /v1/weights)',
    },
    confidence: { ...SCORE, description: 'how far the components agree, 0–100' },
    coverage: { type: 'number', minimum: 0, maximum: 1, description: 'share of the weights that had data' },
    components: objectOf<LiveUpdate['components']>(
      "each component's score on the result's own timeframe",
      COMPONENT_SCORES,
    ),
    engineVersion: { type: 'string', minLength: 1 },
    configHash: { ...SHA256, description: 'SHA-256 of the weights and indicator settings' },
    inputHash: { ...SHA256, description: 'SHA-256 of every input: same inputs, same hash, same score' },
    reasoning: { type: 'string', description: 'the one-line human reasoning' },
    probability: RESULT_PROBABILITY,
  },
  ['probability'],
);

export const LIVE_SIGNAL_CHANGE = objectOf<LiveSignalChange>(
  "A stream's label changed (SignalChangedEvent): the first label of a stream counts as a change from null.",
  {
    ...STREAM_FIELDS,
    time: { ...TIME_MS, description: 'open time of the candle whose result changed the label (ms, UTC)' },
    from: {
      type: ['string', 'null'],
      enum: [...SIGNALS, null],
      description: "the previous label; null: the stream's first label",
    },
    to: { type: 'string', enum: SIGNALS, description: 'the new label' },
    score: SCORE,
    confidence: SCORE,
  },
);

export const SERVER_SHUTDOWN = objectOf<ServerShutdownNotice>(
  'This replica is stopping. Sent to every connection just before the server closes it (the client ' +
    'sees a `transport close`, which socket.io-client answers by reconnecting by itself; a balancer ' +
    'gives it another replica). Subscribe again once connected.',
  {
    reason: { const: 'shutdown' },
    retryAfterMs: {
      type: 'integer',
      minimum: 0,
      maximum: RECONNECT_SPREAD_MS,
      description:
        "wait this long before reconnecting: spread over the replica's connections, so they do not all come back at once",
    },
  },
);

/** The codes of SocketError (contracts' SocketErrorCode: SignalsExceptionFilter answers with them). */
export const SOCKET_ERROR_CODES: readonly SocketErrorCode[] = Object.freeze(Object.values(SocketErrorCode));

/** Limits the error descriptions quote (app.yaml `socket:`). */
export interface SocketLimits {
  readonly maxSubscriptionsPerSocket: number;
  readonly messagesPerSecond: number;
}

export function socketErrorSchema(limits: SocketLimits): JsonSchema {
  type Field = NonNullable<SocketError['fields']>[number];
  return objectOf<SocketError>(
    'An error answered in an acknowledgement; the connection stays up.',
    {
      code: {
        type: 'string',
        enum: SOCKET_ERROR_CODES,
        description:
          'bad-request: not an object, nested too deep, or invalid fields (listed in `fields`); ' +
          'unknown-market: the stream is not tracked (subscribe only); ' +
          `limit-exceeded: more than ${limits.maxSubscriptionsPerSocket} subscriptions on this connection; ` +
          `rate-limited: more than ${limits.messagesPerSecond} messages per second on this connection; ` +
          'internal: the gateway failed unexpectedly (logged); the request may be retried',
      },
      message: { type: 'string', description: 'for people; do not parse it' },
      fields: {
        type: 'array',
        description: 'the offending fields, when the request was malformed',
        items: objectOf<Field>('one offending field', {
          field: { type: 'string', description: 'its path (`timeframe`), or an unexpected property' },
          message: { type: 'string', examples: ['property should not exist'] },
        }),
      },
    },
    ['fields'],
  );
}

/** The room of a stream, as `streamRoom` names it from the normalised (slash) symbol. */
const ROOM: JsonSchema = {
  type: 'string',
  pattern: `^${inner(EXCHANGE_PATTERN)}:${UNIFIED_SYMBOL}:(${TIMEFRAMES.join('|')})$`,
  description: "the stream's room, `exchange:BASE/QUOTE:timeframe`",
  examples: ['binance:BTC/USDT:1m'],
};

type Subscribed = Extract<SubscribeAck, { ok: true }>;
type Unsubscribed = Extract<UnsubscribeAck, { ok: true }>;
type Refused = Extract<SubscribeAck, { ok: false }>;

export function subscribedSchema(snapshot: JsonSchema): JsonSchema {
  return objectOf<Subscribed>('The subscription holds: updates of the stream now arrive.', {
    ok: { const: true },
    room: ROOM,
    snapshot: {
      oneOf: [snapshot, { type: 'null' }],
      description:
        'the latest stored result of the stream, the body of GET /v1/confluence/{exchange}/{symbol}; ' +
        'null when there is none yet (or the store could not be read). Read after joining the room, ' +
        'so no update falls between the snapshot and the live events.',
    },
  });
}

export const UNSUBSCRIBED = objectOf<Unsubscribed>(
  'The stream is no longer delivered to this connection (also answered when it was not subscribed).',
  { ok: { const: true }, room: ROOM },
);

export function refusedSchema(error: JsonSchema): JsonSchema {
  return objectOf<Refused>('The request was refused; nothing changed and the connection stays up.', {
    ok: { const: false },
    error,
  });
}

/** Socket.IO's CONNECT_ERROR payload: the message of the Error the handshake middleware refused with. */
export function connectErrorSchema(messages: readonly string[]): JsonSchema {
  return objectOf<{ message: string }>(
    'The namespace refused the connection; socket.io-client surfaces it as the `connect_error` event, ' +
      'an Error with this message.',
    { message: { type: 'string', enum: messages } },
  );
}
