import type { StoredMarket } from '../persistence.types.js';

/** One item of a write: its stream and the time it is for (a candle's open time). */
export interface TimedItem extends StoredMarket {
  readonly time: number;
}

/**
 * What a write holds, stream by stream, so a write that is lost names what is missing:
 * "results binance BTC/USDT 1m 2021-02-19T10:00:00Z..2021-02-19T10:41:00Z (42)".
 */
export function describeItems(what: string, items: readonly TimedItem[]): string[] {
  const streams = new Map<string, { first: number; last: number; count: number }>();
  for (const { exchange, symbol, timeframe, time } of items) {
    const key = `${exchange} ${symbol} ${timeframe}`;
    const range = streams.get(key);
    if (range === undefined) streams.set(key, { first: time, last: time, count: 1 });
    else {
      range.first = Math.min(range.first, time);
      range.last = Math.max(range.last, time);
      range.count++;
    }
  }
  return [...streams].map(
    ([key, { first, last, count }]) =>
      `${what} ${key} ${iso(first)}${first === last ? '' : `..${iso(last)}`} (${count})`,
  );
}

const iso = (ms: number): string => new Date(ms).toISOString().replace('.000Z', 'Z');
