import type { CsvCandle } from '../market-data.js';
import type { BookModel, BookStep } from './book-model.js';
import type { FakeMarket } from './fixtures.js';
import type { KlineClose, StreamLogEntry, StreamVenue, TopicSpec } from './stream-types.js';
import type { SyntheticTrade } from './synth.js';
import type { FakeExchangeId, JsonValue } from './types.js';

/** A client message, as far as the fake needs to read it. */
export interface ClientRequest {
  readonly op: StreamLogEntry['op'];
  readonly topics: readonly string[];
  /** Echoed in the answer: Binance `id`, Bybit `req_id`. */
  readonly id: JsonValue | undefined;
}

/** The socket a message is written for (Bybit echoes its id as `conn_id`). */
export interface ConnectionRef {
  readonly id: string;
  readonly venue: StreamVenue;
}

/** A serialised data frame with its event time (frames are sent in time order). */
export interface TimedFrame {
  readonly time: number;
  readonly text: string;
  /** Set on a closing kline frame: the candle it closes. */
  readonly closed?: KlineClose;
}

/** A data frame queued for a socket, with the topic it belongs to (what stream faults match). */
export interface TopicFrame extends TimedFrame {
  readonly topic: string;
}

/** Why a subscription is refused: a fault, an unknown topic, one already live, or too many in one request. */
export type Refusal = 'fault' | 'unknown' | 'duplicate' | 'tooMany';

/** One exchange's public stream dialect: what clients send, and every frame it answers with. */
export interface StreamProtocol {
  readonly exchange: FakeExchangeId;
  /** Bybit refuses a topic already subscribed on the socket; Binance acknowledges it again. */
  readonly refusesDuplicates: boolean;
  /** Most topics one subscribe request may name on a venue. */
  maxTopicsPerRequest(venue: StreamVenue): number;
  /** The venue an upgrade path belongs to, `undefined` when it is not one of the exchange's. */
  venueOf(path: string): StreamVenue | undefined;
  parse(message: JsonValue): ClientRequest;
  topic(venue: StreamVenue, name: string, markets: readonly FakeMarket[]): TopicSpec | undefined;
  subscribed(request: ClientRequest, connection: ConnectionRef): string;
  unsubscribed(request: ClientRequest, connection: ConnectionRef): string;
  refused(request: ClientRequest, connection: ConnectionRef, why: Refusal, topic: string): string;
  listed(request: ClientRequest, connection: ConnectionRef, topics: readonly string[]): string;
  invalid(request: ClientRequest, connection: ConnectionRef): string;
  /** The answer to an application ping; `undefined` when the exchange has none. */
  pong(request: ClientRequest, connection: ConnectionRef, now: number): string | undefined;
  kline(
    spec: Extract<TopicSpec, { kind: 'kline' }>,
    candle: CsvCandle,
    closed: boolean,
    time: number,
  ): string;
  trades(spec: Extract<TopicSpec, { kind: 'trade' }>, trades: readonly SyntheticTrade[]): TimedFrame[];
  bookDiff(
    spec: Extract<TopicSpec, { kind: 'book' }>,
    step: BookStep,
    model: BookModel,
    time: number,
  ): string;
  /** Sent right after the subscription is acknowledged (Bybit's snapshot); Binance sends none. */
  bookSnapshot(
    spec: Extract<TopicSpec, { kind: 'book' }>,
    model: BookModel,
    time: number,
  ): string | undefined;
}

/** `[price, amount]` rows as exchange strings. */
export function levelRows(
  levels: readonly (readonly [number, number])[],
  priceDecimals: number,
  qtyDecimals: number,
): string[][] {
  return levels.map(([p, q]) => [p.toFixed(priceDecimals), q.toFixed(qtyDecimals)]);
}

/** The JSON object in a client frame, or `undefined` when it is not one. */
export function asObject(message: JsonValue): Readonly<Record<string, JsonValue>> | undefined {
  return message !== null && typeof message === 'object' && !Array.isArray(message) ? message : undefined;
}

export function stringList(value: JsonValue | undefined): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}
