import type { Candle } from '@app/confluence';
import type { Timeframe } from '@app/contracts';
import type { BookData, TradeData } from '../exchange/response-validation.js';

/** The data kinds a stream carries (derivatives stay on REST polling: they change slowly). */
export type StreamKind = 'candles' | 'trades' | 'orderBook';

export const STREAM_KINDS: readonly StreamKind[] = ['candles', 'trades', 'orderBook'];

/**
 * Where a data kind of an exchange comes from right now: its stream; REST polling because the
 * exchange is configured for it (or ccxt has no stream for it); REST polling while the stream is
 * down; or nowhere, because the REST fallback is failing too.
 */
export type StreamState = 'streaming' | 'polling' | 'polling (fallback)' | 'down';

/** What the raw frames of one connection said, beyond what ccxt's parsed structures carry. */
export interface FrameEvents {
  /** A candle the exchange flagged closed (Binance kline `x`, Bybit `confirm`), values as sent. */
  closedCandle(symbol: string, timeframe: Timeframe, candle: Candle): void;
  /** A book update whose update id does not follow the previous one: the local book is wrong. */
  bookGap(symbol: string, detail: string): void;
  /** A frame that is not JSON, or a data frame missing the fields its kind needs. */
  malformed(detail: string): void;
  /** Any data frame arrived (pongs and acknowledgements do not count): the stream is alive. */
  data(): void;
}

/**
 * One WebSocket session with an exchange through ccxt pro. Watches resolve with the next update
 * of any symbol they cover and reject when the connection fails; raw frames reach `FrameEvents`.
 */
export interface StreamConnection {
  /** Whether the exchange flags closed candles in its frames (otherwise closes are inferred). */
  readonly flagsClosedCandles: boolean;
  /** Candles of one (symbol, timeframe) that updated: closed ones and the forming one. */
  watchCandles(pairs: readonly (readonly [string, Timeframe])[]): Promise<CandleUpdate>;
  watchTrades(symbols: readonly string[]): Promise<TradeUpdate>;
  /**
   * Resolves when a book of `symbols` changed. Which one is not reliable (ccxt resolves one
   * symbol per wait, so a burst over several reports one), so the caller reads them with
   * `orderBook` when it publishes.
   */
  watchOrderBook(symbols: readonly string[], depth: number): Promise<BookUpdate>;
  /** The local book of `symbol` now (its best `depth` levels), or null while there is none. */
  orderBook(symbol: string, depth: number): BookData | null;
  close(): Promise<void>;
}

export interface CandleUpdate {
  readonly symbol: string;
  readonly timeframe: Timeframe;
  /** Validated rows, oldest first; the newest may still be forming. */
  readonly candles: readonly Candle[];
  readonly dropped: readonly string[];
}

export interface TradeUpdate {
  readonly symbol: string;
  readonly trades: readonly TradeData[];
  readonly dropped: readonly string[];
}

export interface BookUpdate {
  /** The symbols whose books may have changed. */
  readonly books: readonly string[];
}

export interface StreamConnectionOptions {
  /** Receives what the raw frames say; called synchronously as each frame arrives. */
  readonly events: FrameEvents;
}

/** Opens stream sessions for one exchange (a port: ccxt pro in production and in tests). */
export interface StreamConnector {
  /** The kinds ccxt pro streams for this exchange (none: the feed polls everything). */
  readonly supported: readonly StreamKind[];
  open(options: StreamConnectionOptions): Promise<StreamConnection>;
}

/** Counters and state of one exchange's streams, for health and metrics. */
export interface StreamStatus {
  readonly transport: 'websocket' | 'polling';
  readonly kinds: Readonly<Record<StreamKind, StreamState>>;
  /** Open sessions (each a ccxt pro instance, one socket per endpoint it uses) / planned. */
  readonly connections: { readonly open: number; readonly planned: number };
  readonly reconnects: number;
  /** Streams declared silent: no data message within `stream.silenceMs`. */
  readonly silences: number;
  /** Order books rebuilt after a sequence gap or checksum failure. */
  readonly bookResyncs: number;
  readonly malformedFrames: number;
  /** Subscriptions the exchange refused (the kind polls meanwhile and asks again later). */
  readonly refusedSubscriptions: number;
  /** Closed candles published on a stream's word (with any hole it revealed, filled from REST). */
  readonly streamedCandles: number;
  readonly lastError: string | null;
}

/** The status of an exchange that polls (by config, or because ccxt pro cannot stream it). */
export function pollingStatus(): StreamStatus {
  return {
    transport: 'polling',
    kinds: { candles: 'polling', trades: 'polling', orderBook: 'polling' },
    connections: { open: 0, planned: 0 },
    reconnects: 0,
    silences: 0,
    bookResyncs: 0,
    malformedFrames: 0,
    refusedSubscriptions: 0,
    streamedCandles: 0,
    lastError: null,
  };
}
