import type { TradeData } from './response-validation.js';

/** Trade ids remembered at the newest published timestamp. */
interface Cursor {
  timestamp: number;
  ids: Set<string>;
}

/**
 * How far each symbol's published trades reach, shared by the stream and the REST poll so a
 * fallback from one to the other neither repeats nor reorders a trade: a trade is fresh when it
 * is newer than the last published one, or as old and with an id not published yet.
 */
export class TradeCursors {
  readonly #cursors = new Map<string, Cursor>();

  /** Timestamp of the newest published trade (a REST poll asks for trades since then). */
  since(symbol: string): number | undefined {
    return this.#cursors.get(symbol)?.timestamp;
  }

  /** The trades not published yet, oldest first; `trades` must be sorted by time. */
  fresh(symbol: string, trades: readonly TradeData[]): TradeData[] {
    const cursor = this.#cursors.get(symbol);
    if (cursor === undefined) return [...trades];
    return trades.filter(
      (trade) =>
        trade.timestamp > cursor.timestamp ||
        (trade.timestamp === cursor.timestamp && trade.id !== null && !cursor.ids.has(trade.id)),
    );
  }

  /** Records `published` (fresh trades, oldest first) as published. */
  advance(symbol: string, published: readonly TradeData[]): void {
    const newest = published[published.length - 1];
    if (newest === undefined) return;
    const cursor = this.#cursors.get(symbol);
    const ids = cursor?.timestamp === newest.timestamp ? cursor.ids : new Set<string>();
    for (const trade of published)
      if (trade.timestamp === newest.timestamp && trade.id !== null) ids.add(trade.id);
    this.#cursors.set(symbol, { timestamp: newest.timestamp, ids });
  }
}
