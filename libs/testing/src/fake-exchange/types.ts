import type { FakeMarket } from './fixtures.js';

export type FakeExchangeId = 'binance' | 'bybit';

export const FAKE_EXCHANGES: readonly FakeExchangeId[] = ['binance', 'bybit'];

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = Record<string, JsonValue>;

/**
 * Endpoint names shared by both exchanges, so one fault or assertion can target either.
 * Each route also answers to its native name (`depth`, `exchangeInfo`, `instruments-info`, ...).
 */
export type FakeEndpoint =
  | 'markets'
  | 'klines'
  | 'orderBook'
  | 'trades'
  | 'fundingRate'
  | 'ticker'
  | 'openInterest'
  | 'longShortRatio'
  | 'serverTime'
  | 'ping'
  | 'unknown';

/** Ways a 200 answer can be broken (see `malform` in faults.ts). */
export type Malformation =
  /** The first half of the real JSON body: not parseable. */
  | 'truncatedJson'
  /** A 200 with an empty body. */
  | 'emptyBody'
  /** Every decimal string (prices, sizes, rates) replaced by "abc". */
  | 'nonNumericValues'
  /** Kline rows cut to [time, open]; decimal-valued fields dropped from objects. */
  | 'missingFields'
  /** Array where an object belongs and vice versa (Bybit: `result.list` becomes an object). */
  | 'wrongContainer';

export type FaultSpec =
  /**
   * `weight` (default): Binance 429 + code -1003 + Retry-After; Bybit retCode 10006 + X-Bapi-Limit-* headers.
   * `ban`: Binance 418 IP ban + Retry-After; Bybit HTTP 403 "access too frequent" (IP limit).
   */
  | { readonly kind: 'rateLimit'; readonly retryAfterSeconds: number; readonly variant?: 'weight' | 'ban' }
  /** `gateway` (default): an HTML error page from the edge; `exchange`: the exchange's own JSON error. */
  | {
      readonly kind: 'serverError';
      readonly status?: 500 | 502 | 503 | 504;
      readonly body?: 'gateway' | 'exchange';
    }
  | { readonly kind: 'maintenance' }
  /** Accept the request and never answer (until the client gives up or the server stops). */
  | { readonly kind: 'hang' }
  /** Destroy the socket without answering (connection reset), for matching requests only. */
  | { readonly kind: 'reset' }
  | { readonly kind: 'malformed'; readonly malformation: Malformation }
  /** Kline rows out of order, with `duplicates` rows repeated (default 3). */
  | { readonly kind: 'shuffle'; readonly seed?: number; readonly duplicates?: number }
  /** A lagging replica: answers as if the clock read `now - lagMs`. */
  | { readonly kind: 'stale'; readonly lagMs: number }
  /**
   * Kline answers leave out the candles opened from `from` to `to` (ms, inclusive), newer ones
   * served as usual: a replica still catching up, or history the exchange never recorded.
   */
  | { readonly kind: 'omitCandles'; readonly from: number; readonly to: number };

export type FaultKind = FaultSpec['kind'];

export interface FaultOptions {
  /** Normalised (`klines`) or native (`depth`, `exchangeInfo`, `kline`) endpoint name; default: every route. */
  readonly endpoint?: string;
  /** Matched against the request path (e.g. `/fapi/v1/klines`, `/v5/market/kline`). */
  readonly path?: RegExp;
  /** Consume after this many matching requests (FIFO with other faults); default: persistent. */
  readonly times?: number;
}

export interface RequestLogEntry {
  /** `null` when the path matched neither `/binance` nor `/bybit`. */
  readonly exchange: FakeExchangeId | null;
  readonly endpoint: FakeEndpoint;
  /** The real host the route belongs to (`api.binance.com`, `fapi.binance.com`, `api.bybit.com`). */
  readonly host: string;
  /** The exchange path, without the fake's prefix (`/api/v3/klines`). */
  readonly path: string;
  readonly query: Readonly<Record<string, string>>;
  /** HTTP status sent, or what happened instead. */
  readonly status: number | 'hang' | 'reset';
  readonly fault: FaultKind | null;
}

/** A route's answer before faults touch it. */
export interface RouteResponse {
  readonly status: number;
  readonly body: JsonValue;
  readonly headers?: Readonly<Record<string, string>>;
}

/** What a route handler sees. */
export interface RouteContext {
  readonly exchange: FakeExchangeId;
  /** The clock reading for this request (already lagged by a `stale` fault). */
  readonly now: number;
  readonly query: Readonly<Record<string, string>>;
  readonly path: string;
  /** Set by a `shuffle` fault: kline routes reorder and duplicate their rows. */
  readonly shuffle: { readonly seed: number; readonly duplicates: number } | null;
  /** Set by an `omitCandles` fault: kline routes serve as if these candles did not exist. */
  readonly omit: { readonly from: number; readonly to: number } | null;
  /** The markets the server lists (default `FAKE_MARKETS`). */
  readonly markets: readonly FakeMarket[];
}

export interface Route {
  readonly host: string;
  readonly path: string;
  readonly endpoint: FakeEndpoint;
  readonly handle: (ctx: RouteContext) => RouteResponse;
}

/** Answer shape of an error body per exchange (used for 404s and validation errors). */
export interface ErrorAnswer {
  readonly status: number;
  readonly body: JsonValue;
}
