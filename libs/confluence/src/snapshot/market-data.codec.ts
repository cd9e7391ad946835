/**
 * Market data as saved state: candles and trades as tuples (a few hundred of them per market, so
 * no field names), books as [price, size] levels, derivatives as they came. Reading them back
 * applies the checks the orchestrator applies on arrival.
 */
import type { Timeframe } from '@app/contracts';
import { candleProblem } from '../domain/candle-validation.js';
import type {
  BookLevel,
  Candle,
  DerivativesSnapshot,
  OrderBookSnapshot,
  Trade,
} from '../domain/market-data.types.js';
import { derivativesProblem, orderBookProblem, tradeProblem } from '../orchestrator/snapshot-validation.js';
import {
  arrayOf,
  type Decoder,
  num,
  object,
  oneOf,
  optional,
  present,
  SnapshotError,
} from './state-codec.js';

/** [timestamp, open, high, low, close, volume] */
export type CandleTuple = readonly [number, number, number, number, number, number];
/** [timestamp, price, size, side] */
export type TradeTuple = readonly [number, number, number, Trade['side']];
export interface BookState {
  readonly timestamp: number;
  readonly bids: readonly (readonly [number, number])[];
  readonly asks: readonly (readonly [number, number])[];
}

/** Why an item is out of time order after `previous` (strictly later, or not earlier), or null. */
function orderProblem(
  item: { readonly timestamp: number },
  previous: { readonly timestamp: number } | undefined,
  strictly: boolean,
): string | null {
  if (previous === undefined) return null;
  const ok = strictly ? item.timestamp > previous.timestamp : item.timestamp >= previous.timestamp;
  return ok ? null : `timestamp ${item.timestamp} out of order after ${previous.timestamp}`;
}

export const candleTuple = (c: Candle): CandleTuple => [
  c.timestamp,
  c.open,
  c.high,
  c.low,
  c.close,
  c.volume,
];

/** Candles of one timeframe, sound and strictly increasing in time. */
export function decodeCandles(value: unknown, path: string, timeframe: Timeframe): Candle[] {
  const candles = arrayOf(arrayOf(num, 6))(value, path).map(
    ([timestamp, open, high, low, close, volume]) =>
      ({ timestamp, open, high, low, close, volume }) as Candle,
  );
  candles.forEach((candle, i) => {
    const problem = candleProblem(candle, timeframe) ?? orderProblem(candle, candles[i - 1], true);
    if (problem !== null) throw new SnapshotError(`${path}[${i}]`, problem);
  });
  return candles;
}

export const tradeTuple = (t: Trade): TradeTuple => [t.timestamp, t.price, t.size, t.side];

const TRADE_SIDE = oneOf('buy', 'sell');

/** Trades, each sound, oldest first. */
export function decodeTrades(value: unknown, path: string): Trade[] {
  const trades = arrayOf<Trade>((entry, at) => {
    const [timestamp, price, size, side] = arrayOf(present, 4)(entry, at);
    return {
      timestamp: num(timestamp, `${at}[0]`),
      price: num(price, `${at}[1]`),
      size: num(size, `${at}[2]`),
      side: TRADE_SIDE(side, `${at}[3]`),
    };
  })(value, path);
  trades.forEach((trade, i) => {
    const problem = tradeProblem(trade, i) ?? orderProblem(trade, trades[i - 1], false);
    if (problem !== null) throw new SnapshotError(`${path}[${i}]`, problem);
  });
  return trades;
}

const levels = (side: readonly BookLevel[]): (readonly [number, number])[] =>
  side.map((level) => [level.price, level.size]);

export const bookState = (book: OrderBookSnapshot): BookState => ({
  timestamp: book.timestamp,
  bids: levels(book.bids),
  asks: levels(book.asks),
});

const BOOK_LEVELS = arrayOf(arrayOf(num, 2));

export function decodeBook(value: unknown, path: string): OrderBookSnapshot {
  const s = object<{ timestamp: number; bids: number[][]; asks: number[][] }>({
    timestamp: num,
    bids: BOOK_LEVELS,
    asks: BOOK_LEVELS,
  })(value, path);
  const side = (entries: number[][]): BookLevel[] =>
    entries.map(([price = 0, size = 0]) => ({ price, size }));
  const book = { timestamp: s.timestamp, bids: side(s.bids), asks: side(s.asks) };
  const problem = orderBookProblem(book);
  if (problem !== null) throw new SnapshotError(path, problem);
  return book;
}

/**
 * Derivatives snapshots keep any fields beyond the known ones: the engine's derivatives digest is
 * over the snapshots as given, so a restored list must hash the same.
 */
const DERIVATIVES: Decoder<DerivativesSnapshot> = object<DerivativesSnapshot>(
  {
    timestamp: num,
    fundingRate: optional(num),
    openInterest: optional(num),
    longShortRatio: optional(num),
    liquidations: optional(object({ long: num, short: num }, { rest: 'keep' })),
  },
  { rest: 'keep' },
);

export function decodeDerivatives(value: unknown, path: string): DerivativesSnapshot[] {
  const list = arrayOf(DERIVATIVES)(value, path);
  list.forEach((snapshot, i) => {
    const problem = derivativesProblem(snapshot) ?? orderProblem(snapshot, list[i - 1], true);
    if (problem !== null) throw new SnapshotError(`${path}[${i}]`, problem);
  });
  return list;
}
