import { type Candle, candleProblem } from '@app/confluence';
import { isTimeMs, type Timeframe } from '@app/contracts';
import { MalformedResponseError } from '../faults/exchange-fault.js';
import { errorMessage } from '@app/contracts';

/** Items that validated, and why the others were dropped (one line each, for the log and a counter). */
export interface Checked<T> {
  readonly items: T[];
  readonly dropped: string[];
}

export interface BookLevel {
  readonly price: number;
  readonly size: number;
}

export interface BookData {
  readonly timestamp: number;
  readonly sequence: number | null;
  readonly bids: BookLevel[];
  readonly asks: BookLevel[];
}

export interface TradeData {
  readonly id: string | null;
  readonly timestamp: number;
  readonly price: number;
  readonly size: number;
  readonly side: 'buy' | 'sell';
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function finitePositive(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value > 0;
}

/**
 * Why a successful (2xx) answer's body is not JSON, or null when it is. ccxt hands an unparseable
 * body back as the raw string, which its parsers then read character by character (Binance's
 * OHLCV parser makes a row of each character; Bybit's finds no list and returns none), so a
 * truncated answer would pass for rows of bad numbers, or for no data at all.
 */
export function jsonBodyProblem(body: string): string | null {
  if (body.trim() === '') return 'body is not JSON (empty)';
  try {
    JSON.parse(body);
    return null;
  } catch (error) {
    const reason = errorMessage(error);
    const excerpt = body.length > 40 ? `${body.slice(0, 40)}…` : body;
    return `body is not JSON (${reason}; ${body.length} characters: ${JSON.stringify(excerpt)})`;
  }
}

/** ccxt OHLCV rows `[time, open, high, low, close, volume]` → closed-or-forming candles, checked like posted ones. */
export function checkOhlcv(rows: unknown, timeframe: Timeframe): Checked<Candle> {
  if (!Array.isArray(rows))
    throw new MalformedResponseError(`expected an array of candles, got ${typeName(rows)}`);
  const items: Candle[] = [];
  const dropped: string[] = [];
  rows.forEach((row: unknown, index) => {
    if (!Array.isArray(row) || row.length < 6) {
      dropped.push(`row ${index}: not a [time, open, high, low, close, volume] row`);
      return;
    }
    const [timestamp, open, high, low, close, volume] = row as unknown[];
    const candle = { timestamp, open, high, low, close, volume } as Candle;
    const problem = candleProblem(candle, timeframe);
    if (problem === null)
      items.push({ timestamp: candle.timestamp, open, high, low, close, volume } as Candle);
    else dropped.push(`row ${index}: ${problem}`);
  });
  return { items, dropped };
}

/**
 * A ccxt order book → the top `depth` levels a side. Bad levels are dropped; a book whose sides
 * are missing or cross (best bid ≥ best ask) is refused whole: it cannot be a real book.
 */
export function checkOrderBook(book: unknown, depth: number, now: number): Checked<BookData> {
  if (!isRecord(book) || !Array.isArray(book.bids) || !Array.isArray(book.asks))
    throw new MalformedResponseError('order book without bids and asks lists');
  const dropped: string[] = [];
  const side = (levels: unknown[], name: string, descending: boolean): BookLevel[] => {
    const kept: BookLevel[] = [];
    levels.forEach((level: unknown, index) => {
      const [price, size] = Array.isArray(level) ? (level as unknown[]) : [];
      if (!finitePositive(price) || !finitePositive(size)) {
        dropped.push(`${name}[${index}]: price and size must be positive finite numbers`);
        return;
      }
      kept.push({ price, size });
    });
    kept.sort((a, b) => (descending ? b.price - a.price : a.price - b.price));
    return kept.slice(0, depth);
  };
  const bids = side(book.bids as unknown[], 'bids', true);
  const asks = side(book.asks as unknown[], 'asks', false);
  const bestBid = bids[0];
  const bestAsk = asks[0];
  if (bestBid !== undefined && bestAsk !== undefined && bestBid.price >= bestAsk.price)
    throw new MalformedResponseError(
      `crossed order book (best bid ${bestBid.price} ≥ best ask ${bestAsk.price})`,
    );
  // In the one time range (time-range.ts), or the bus would refuse the snapshot.
  const timestamp = isTimeMs(book.timestamp) && book.timestamp > 0 ? book.timestamp : now;
  const sequence =
    Number.isSafeInteger(book.nonce) && (book.nonce as number) >= 0 ? (book.nonce as number) : null;
  return { items: [{ timestamp, sequence, bids, asks }], dropped };
}

/** ccxt trades → trades with a side, price, size and time; others dropped. */
export function checkTrades(trades: unknown): Checked<TradeData> {
  if (!Array.isArray(trades))
    throw new MalformedResponseError(`expected an array of trades, got ${typeName(trades)}`);
  const items: TradeData[] = [];
  const dropped: string[] = [];
  trades.forEach((trade: unknown, index) => {
    if (!isRecord(trade)) {
      dropped.push(`trade ${index}: not an object`);
      return;
    }
    const { id, timestamp, price, amount, side } = trade;
    if (!isTimeMs(timestamp) || timestamp === 0) dropped.push(`trade ${index}: no valid timestamp`);
    else if (!finitePositive(price) || !finitePositive(amount))
      dropped.push(`trade ${index}: price and amount must be positive finite numbers`);
    else if (side !== 'buy' && side !== 'sell') dropped.push(`trade ${index}: side must be buy or sell`);
    else
      items.push({
        id: typeof id === 'string' && id !== '' ? id : null,
        timestamp,
        price,
        size: amount,
        side,
      });
  });
  items.sort((a, b) => a.timestamp - b.timestamp);
  return { items, dropped };
}

/** A finite number from a ccxt structure's field, else null (the field is then reported missing). */
export function finiteField(structure: unknown, field: string): number | null {
  if (!isRecord(structure)) return null;
  const value = structure[field];
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  return Array.isArray(value) ? 'array' : typeof value;
}
