import { type Timeframe, TIMEFRAMES } from '@app/contracts';
import type { DerivativesSnapshot, OrderBookSnapshot, Trade } from '../domain/market-data.types.js';
import { sha256Hex } from '../hashing/sha256.js';
import {
  type BookState,
  bookState,
  decodeBook,
  decodeDerivatives,
  decodeTrades,
  type TradeTuple,
  tradeTuple,
} from '../snapshot/market-data.codec.js';
import {
  arrayOf,
  check,
  hex,
  nullable,
  object,
  oneOf,
  present,
  SnapshotUnsupportedError,
} from '../snapshot/state-codec.js';
import { MarketStream, type MarketStreamState, type StreamView } from './market-stream.js';

/** What the orchestrator holds for one market: its streams and the market-wide inputs. */
export interface MarketState {
  readonly streams: Map<Timeframe, StreamView>;
  orderBook?: { snapshot: OrderBookSnapshot; digest: string };
  trades: Trade[];
  /** Chained over every batch ever added, not only the trades still held. */
  tradesDigest: string;
  derivatives: DerivativesSnapshot[];
  derivativesDigest: string;
}

export function emptyMarketState(): MarketState {
  return {
    streams: new Map(),
    trades: [],
    tradesDigest: sha256Hex('confluence:trades'),
    derivatives: [],
    derivativesDigest: '',
  };
}

/** A market's state as plain data; streams in the order they were opened (it orders digests and trends). */
export interface SavedMarketState {
  readonly streams: readonly { readonly timeframe: Timeframe; readonly state: MarketStreamState }[];
  readonly orderBook: { readonly book: BookState; readonly digest: string } | null;
  readonly trades: { readonly items: readonly TradeTuple[]; readonly digest: string };
  readonly derivatives: { readonly items: readonly DerivativesSnapshot[]; readonly digest: string };
}

/** Throws SnapshotUnsupportedError for a stream loaded frozen (BatchStream): it has no streaming state. */
export function saveMarketState(state: MarketState): SavedMarketState {
  const streams = [...state.streams].map(([timeframe, stream]) => {
    if (!(stream instanceof MarketStream))
      throw new SnapshotUnsupportedError(
        `the ${timeframe} stream was loaded frozen for a one-off analysis (BatchStream) and has no streaming state to save`,
      );
    return { timeframe, state: stream.save() };
  });
  const { orderBook } = state;
  return {
    streams,
    orderBook:
      orderBook === undefined ? null : { book: bookState(orderBook.snapshot), digest: orderBook.digest },
    trades: { items: state.trades.map(tradeTuple), digest: state.tradesDigest },
    derivatives: { items: [...state.derivatives], digest: state.derivativesDigest },
  };
}

const SHA256 = hex(64);
/** The derivatives digest is empty until the first snapshot arrives. */
const DERIVATIVES_DIGEST = (value: unknown, path: string): string =>
  value === '' ? '' : SHA256(value, path);
const TRADES = object<{ items: unknown; digest: string }>({ items: present, digest: SHA256 });
const DERIVATIVES = object<{ items: unknown; digest: string }>({
  items: present,
  digest: DERIVATIVES_DIGEST,
});
const STATE = object<{
  streams: unknown[];
  orderBook: { book: unknown; digest: string } | null;
  trades: unknown;
  derivatives: unknown;
}>({
  streams: arrayOf(present),
  orderBook: nullable(object<{ book: unknown; digest: string }>({ book: present, digest: SHA256 })),
  trades: present,
  derivatives: present,
});
const STREAM = object<{ timeframe: Timeframe; state: unknown }>({
  timeframe: oneOf(...TIMEFRAMES),
  state: present,
});

/**
 * A new market state from saved data, or SnapshotError. `openStream` builds an empty stream of
 * the orchestrator's plan and window, which the saved state is loaded into.
 */
export function loadMarketState(
  value: unknown,
  path: string,
  limits: { readonly maxTrades: number; readonly maxDerivatives: number },
  openStream: (timeframe: Timeframe) => MarketStream,
): MarketState {
  const s = STATE(value, path);
  const streams = new Map<Timeframe, StreamView>();
  s.streams.forEach((entry, i) => {
    const at = `${path}.streams[${i}]`;
    const { timeframe, state } = STREAM(entry, at);
    check(!streams.has(timeframe), `${at}.timeframe`, `${timeframe} appears twice`);
    const stream = openStream(timeframe);
    stream.load(state, `${at}.state`);
    streams.set(timeframe, stream);
  });
  const trades = TRADES(s.trades, `${path}.trades`);
  const derivatives = DERIVATIVES(s.derivatives, `${path}.derivatives`);
  const market: MarketState = {
    streams,
    trades: decodeTrades(trades.items, `${path}.trades.items`),
    tradesDigest: trades.digest,
    derivatives: decodeDerivatives(derivatives.items, `${path}.derivatives.items`),
    derivativesDigest: derivatives.digest,
  };
  check(
    market.trades.length <= limits.maxTrades,
    `${path}.trades.items`,
    `more than ${limits.maxTrades} trades`,
  );
  check(
    market.derivatives.length <= limits.maxDerivatives,
    `${path}.derivatives.items`,
    `more than ${limits.maxDerivatives} snapshots`,
  );
  if (s.orderBook !== null)
    market.orderBook = {
      snapshot: decodeBook(s.orderBook.book, `${path}.orderBook.book`),
      digest: s.orderBook.digest,
    };
  return market;
}
