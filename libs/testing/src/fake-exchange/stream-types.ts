import type { FakeMarket } from './fixtures.js';
import type { FakeExchangeId, JsonValue } from './types.js';

/** Which of an exchange's public stream endpoints a socket is on (ccxt market type). */
export type StreamVenue = 'spot' | 'swap';

/** A subscribable stream, parsed from its native name (`btcusdt@kline_1m`, `orderbook.50.BTCUSDT`). */
export type TopicSpec = {
  /** `exchange|venue|native name`: one shared state per stream, whatever the number of subscribers. */
  readonly key: string;
  readonly exchange: FakeExchangeId;
  readonly venue: StreamVenue;
  /** The native stream name the client sent. */
  readonly name: string;
  readonly market: FakeMarket;
  /** The ccxt symbol (`BTC/USDT` on spot, `BTC/USDT:USDT` on swap). */
  readonly symbol: string;
} & (
  | { readonly kind: 'kline'; readonly timeframe: string; readonly intervalMs: number }
  /** `aggregated`: Binance `@aggTrade` (else `@trade`; Bybit `publicTrade`). */
  | { readonly kind: 'trade'; readonly aggregated: boolean }
  /** `depth`: Bybit's `orderbook.<depth>`; Binance diff streams carry the whole book (0). */
  | { readonly kind: 'book'; readonly depth: number }
);

export type TopicKind = TopicSpec['kind'];

/**
 * Stream faults (`server.streamFault`). One-shot kinds (`reorder`, `duplicate`, `bookGap`,
 * `malformed`) default to `times: 1`; `silence`, `refuseSubscription` and `noPong` last until
 * `clearStreamFaults()`; `disconnect` acts at once on every matching socket.
 */
export type StreamFaultSpec =
  /** Terminate the matching sockets now, without a close frame (the client sees code 1006). */
  | { readonly kind: 'disconnect' }
  /** Send no data frames on matching topics; pings are still answered unless `pongs: false`. */
  | { readonly kind: 'silence'; readonly pongs?: boolean }
  /** Swap the next pair(s) of adjacent data frames of a matching topic on a socket (`times` pairs). */
  | { readonly kind: 'reorder' }
  /** Send each of the next `times` data frames twice. */
  | { readonly kind: 'duplicate' }
  /**
   * The next book diff skips update ids: a hidden step changes the book (the model keeps it) but
   * is never sent. Binance: U = previous u + 1 + hidden count (futures `pu` = the hidden u);
   * Bybit: `u` jumps by 2.
   */
  | { readonly kind: 'bookGap' }
  /** The next `times` data frames on a matching topic are cut in half (unparseable JSON). */
  | { readonly kind: 'malformed' }
  /** Subscribe requests naming a matching topic are refused with the exchange's error shape. */
  | { readonly kind: 'refuseSubscription' }
  /** Application pings (Bybit `{"op":"ping"}`) and WebSocket ping frames go unanswered. */
  | { readonly kind: 'noPong' };

export type StreamFaultKind = StreamFaultSpec['kind'];

export interface StreamFaultOptions {
  /** Matched against the native topic name (`btcusdt@depth@100ms`, `kline.1.BTCUSDT`); default: every topic. */
  readonly topic?: RegExp;
  /** Only sockets of this venue; default both. */
  readonly venue?: StreamVenue;
  /** How many frames / pairs / requests / sockets the fault takes (defaults: see `StreamFaultSpec`). */
  readonly times?: number;
}

/** A message a client sent on a stream socket, as the fake understood it. */
export interface StreamLogEntry {
  readonly exchange: FakeExchangeId;
  readonly venue: StreamVenue;
  /** The socket's id (`conn-<n>`, in connection order since the server started). */
  readonly connection: string;
  /** Virtual clock reading when the message arrived. */
  readonly at: number;
  readonly op: 'subscribe' | 'unsubscribe' | 'ping' | 'list' | 'invalid';
  readonly topics: readonly string[];
  /** What the fake answered: `ok`, `refused` (fault, unknown or duplicate topic), `ignored` (no pong). */
  readonly outcome: 'ok' | 'refused' | 'ignored';
  readonly message: JsonValue;
}

/** An open stream socket. */
export interface StreamConnectionInfo {
  readonly id: string;
  readonly venue: StreamVenue;
  /** The request path (`/binance/stream.binance.com/ws/0`, `/bybit/v5/public/linear`). */
  readonly path: string;
  /** Native topic names, in subscription order. */
  readonly topics: readonly string[];
}

/** A book as the fake holds it: bids descending, asks ascending, `[price, amount]`. */
export interface FakeBook {
  readonly bids: [number, number][];
  readonly asks: [number, number][];
  /** Binance `lastUpdateId` / Bybit `u` of the state shown. */
  readonly updateId: number;
  /** Bybit cross sequence (`seq`); Binance books keep one too, unused. */
  readonly seq: number;
}

/** Tuning of the synthetic streams; every field has a default. */
export interface StreamOptions {
  /** Price levels per side of a book model (default 50: Bybit's `orderbook.50` shows all of it). */
  readonly bookLevels?: number;
  /** One synthetic trade per slot of this length, at a seeded time inside it (default 5000 ms). */
  readonly tradeSlotMs?: number;
  /** At most this many trades (the latest) per topic per pump (default 200). */
  readonly maxTradesPerPump?: number;
  /** Binance sends a WebSocket ping frame this often on the virtual clock, checked at each pump (default 180 000). */
  readonly binancePingMs?: number;
  /**
   * Each book model steps (one diff to its subscribers) at most once per this much of the clock,
   * at a phase of its own, as Binance's `@depth@100ms` does (default 0: once per pump that moves
   * the clock). With many markets and fine pumps, their diffs spread out instead of coming all at once.
   */
  readonly bookStepMs?: number;
  /**
   * A kline topic sends its forming candle at most once per this much of the clock, at a phase of
   * its own (Binance: every 2000 ms for 1m; default 0: once per pump that moves the clock).
   */
  readonly klineUpdateMs?: number;
  /**
   * How far behind the clock a market's kline streams run, by market id (`S001USDT`; default 0):
   * its closing frames go out that long after the candle ends, its forming frames show the candle
   * as of that long ago. Benchmarks spread the closes of many markets over the minute with it.
   */
  readonly klineDelayMs?: (marketId: string) => number;
  /**
   * Told of each closing kline frame just before it is handed to its socket (not of one cut by a
   * `malformed` fault), so a benchmark can time the stream from the exchange's write.
   */
  readonly onCloseSent?: (close: SentClose) => void;
}

/** The candle a closing kline frame carries. */
export interface KlineClose {
  /** The ccxt symbol of the topic (`BTC/USDT`, `BTC/USDT:USDT`). */
  readonly symbol: string;
  readonly timeframe: string;
  /** The candle's open time. */
  readonly candleTime: number;
}

/** A closing kline frame as it is written. */
export interface SentClose extends KlineClose {
  readonly exchange: FakeExchangeId;
  readonly venue: StreamVenue;
  /** The native topic name (`s001usdt@kline_1m`). */
  readonly topic: string;
}
