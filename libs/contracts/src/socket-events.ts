import type { LiveUpdatePayload, LlmOpinionEvent, SignalChangedEvent } from './analysis-events.js';
import type { EventData } from './event-validation.js';
import type { Timeframe } from './timeframe.js';
import type { ResultProbability } from './validation-sample.js';

/** The Socket.IO namespace live subscribers connect to. */
export const SIGNALS_NAMESPACE = '/signals';

/** Event names on the `/signals` namespace (client → server and server → client). */
export const SocketEventName = {
  Subscribe: 'subscribe',
  Unsubscribe: 'unsubscribe',
  ConfluenceUpdated: 'confluence.updated',
  SignalChanged: 'signal.changed',
  LlmOpinion: 'llm.opinion',
  ServerShutdown: 'server.shutdown',
} as const;

/** What a client names when it subscribes or unsubscribes: one market stream. */
export interface SubscriptionRequest {
  readonly exchange: string;
  /** `BTC/USDT` (or `BTC-USDT`, as in REST paths). */
  readonly symbol: string;
  readonly timeframe: Timeframe;
}

/** The codes an acknowledgement's error carries (`internal`: anything unexpected, logged). */
export const SocketErrorCode = {
  BadRequest: 'bad-request',
  UnknownMarket: 'unknown-market',
  LimitExceeded: 'limit-exceeded',
  RateLimited: 'rate-limited',
  Internal: 'internal',
} as const;
export type SocketErrorCode = (typeof SocketErrorCode)[keyof typeof SocketErrorCode];

/** An error answered in an acknowledgement; the connection stays up. */
export interface SocketError {
  readonly code: SocketErrorCode;
  readonly message: string;
  /** Offending fields, when the request was malformed. */
  readonly fields?: readonly { readonly field: string; readonly message: string }[];
}

/**
 * The compact live shape, as `confluence.updated` carries it to Socket.IO clients: the bus event
 * without the domain result (the gateway's projection keeps that), and, once the stream's
 * forward-validation maps are fitted, the probability of an up move by horizon (added at the edge).
 */
export type LiveUpdate = EventData<LiveUpdatePayload> & { readonly probability?: ResultProbability };
export type LiveSignalChange = EventData<SignalChangedEvent>;
/** `llm.opinion` as the bus carries it: the model's opinion beside the engine's score and label. */
export type LiveLlmOpinion = EventData<LlmOpinionEvent>;

export type SubscribeAck =
  | {
      readonly ok: true;
      readonly room: string;
      /** The latest stored result of the stream (full shape), or null when none exists yet. */
      readonly snapshot: Readonly<Record<string, unknown>> | null;
    }
  | { readonly ok: false; readonly error: SocketError };

export type UnsubscribeAck =
  { readonly ok: true; readonly room: string } | { readonly ok: false; readonly error: SocketError };

/** Events the client sends (Socket.IO's `ClientToServerEvents` map). */
export interface SignalsClientEvents {
  subscribe(request: SubscriptionRequest, ack: (answer: SubscribeAck) => void): void;
  unsubscribe(request: SubscriptionRequest, ack: (answer: UnsubscribeAck) => void): void;
}

/**
 * Sent to each connection of a replica that is stopping, just before it closes the connection: the
 * client reconnects (socket.io-client does by itself: the close is a `transport close`), which a
 * balancer gives another replica, and subscribes again.
 */
export interface ServerShutdownNotice {
  readonly reason: 'shutdown';
  /** Wait this long before reconnecting: spread over the replica's clients, so they do not all come at once. */
  readonly retryAfterMs: number;
}

/**
 * Events the server sends (Socket.IO's `ServerToClientEvents` map): results only to the market's
 * room, the shutdown notice to every connection.
 */
export interface SignalsServerEvents {
  'confluence.updated'(update: LiveUpdate): void;
  'signal.changed'(change: LiveSignalChange): void;
  'llm.opinion'(opinion: LiveLlmOpinion): void;
  'server.shutdown'(notice: ServerShutdownNotice): void;
}

/** The room of one market stream: `exchange:BASE/QUOTE:timeframe`. */
export function streamRoom(stream: { exchange: string; symbol: string; timeframe: Timeframe }): string {
  return `${stream.exchange}:${stream.symbol}:${stream.timeframe}`;
}
