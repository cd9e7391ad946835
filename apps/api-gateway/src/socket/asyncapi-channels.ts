import { type SignalsClientEvents, type SignalsServerEvents, SocketEventName } from '@app/contracts';
import { RECONNECT_SPREAD_MS } from '@app/gateway';
import type { AsyncApiExamples } from './asyncapi-examples.js';
import type { JsonObject, JsonValue } from './asyncapi-schemas.js';

/*
 * The catalogue of the AsyncAPI document of /signals (asyncapi.ts): its channels (one per event
 * name, and the addressless replies), the gateway's operations on them, and its messages, each
 * with the name of its payload schema. The document itself (info, server, schemas) is built in
 * asyncapi.ts from deployment settings.
 */

export interface Reference extends JsonObject {
  readonly $ref: string;
}

export interface AsyncApiMessage {
  readonly name: string;
  readonly title: string;
  readonly summary: string;
  readonly payload: Reference;
  readonly examples?: readonly { readonly name: string; readonly payload: JsonValue }[];
}

export interface Channel {
  readonly address: string | null;
  readonly title: string;
  readonly description: string;
  readonly messages: Readonly<Record<string, Reference>>;
}

export interface Operation {
  readonly action: 'send' | 'receive';
  readonly channel: Reference;
  readonly title: string;
  readonly summary: string;
  readonly description: string;
  readonly messages: readonly Reference[];
  readonly reply?: { readonly channel: Reference; readonly messages: readonly Reference[] };
}

export const ref = (...path: string[]): Reference => ({ $ref: `#/${path.join('/')}` });

// The event names, checked against the typed event maps the gateway and clients use.
const CLIENT_EVENTS = {
  subscribe: SocketEventName.Subscribe,
  unsubscribe: SocketEventName.Unsubscribe,
} as const satisfies Record<string, keyof SignalsClientEvents>;
const SERVER_EVENTS = {
  confluenceUpdated: SocketEventName.ConfluenceUpdated,
  signalChanged: SocketEventName.SignalChanged,
  llmOpinion: SocketEventName.LlmOpinion,
  serverShutdown: SocketEventName.ServerShutdown,
} as const satisfies Record<string, keyof SignalsServerEvents>;

export const CHANNELS: Readonly<Record<string, Channel>> = {
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
  llmOpinion: {
    address: SERVER_EVENTS.llmOpinion,
    title: 'llm.opinion',
    description: 'Sent to the subscribers of the stream only (its room), once per opinion given.',
    messages: { llmOpinion: ref('components', 'messages', 'llmOpinion') },
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

export function operations(limits: {
  readonly maxSubscriptionsPerSocket: number;
}): Readonly<Record<string, Operation>> {
  const { maxSubscriptionsPerSocket: max } = limits;
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
    llmOpinion: operation('send', 'llmOpinion', {
      title: "The LLM's opinion of a result",
      summary:
        "The model's opinion of one of the stream's results, beside the engine's score and label: asked on " +
        'a label change (llm.yaml onSignalChange) or on demand (POST /v1/llm/analyze/{exchange}/{symbol}).',
      description:
        'The bus event, as published and validated (LlmOpinionEvent). `opinion.status` is `ok` (an ' +
        'answer, `cached: true` when no request was made for it) or `unavailable` with its reason: ' +
        "the engine's label then stands alone. The same opinion is attached to the result (GET latest " +
        'when it is still the latest, and the history).',
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
      description:
        'Nothing is counted for a refused connection; the client may retry later. An address already holding ' +
        'its limit of Engine.IO connections is refused earlier, at the Engine.IO handshake (an HTTP error with ' +
        'the same reason, not this event).',
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
  llmOpinion: [SERVER_EVENTS.llmOpinion, 'LiveLlmOpinion', "The model's opinion of a result of the stream."],
  serverShutdown: [SERVER_EVENTS.serverShutdown, 'ServerShutdown', 'This replica stops: reconnect.'],
  connectionRefused: ['connect_error', 'ConnectError', 'Why the connection was refused.'],
} as const satisfies Record<keyof AsyncApiExamples, readonly [string, string, string]>;

export function messages(examples: AsyncApiExamples): Record<string, AsyncApiMessage> {
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
