import { DataSource, type EventBus, MarketEventName } from '@app/contracts';
import type { Clock } from '../clock.js';
import type { ExchangeGate } from '../faults/exchange-gate.js';
import type { DerivativesKinds, MarketClient } from './market-client.js';
import type { Checked } from './response-validation.js';

export interface SnapshotFeedsOptions {
  readonly client: MarketClient;
  readonly gate: ExchangeGate;
  readonly bus: EventBus;
  readonly clock: Clock;
  readonly attempts: number;
}

/** Trade ids remembered at the newest timestamp, to drop the overlap of `since` polls. */
interface TradeCursor {
  timestamp: number;
  ids: Set<string>;
}

/**
 * Order book, trades and derivatives of an exchange's symbols: each poll validated, ordered
 * against the previous one (an older book or a repeated trade is dropped), then published.
 */
export class SnapshotFeeds {
  readonly #bookSequence = new Map<string, number>();
  readonly #tradeCursor = new Map<string, TradeCursor>();

  constructor(private readonly options: SnapshotFeedsOptions) {}

  async orderBook(symbol: string, depth: number, signal?: AbortSignal): Promise<void> {
    const { client, bus, clock } = this.options;
    const page = await this.#call(`fetchOrderBook ${symbol}`, signal, () =>
      client.fetchOrderBook(symbol, depth),
    );
    const book = page.items[0];
    if (book === undefined) return;
    const previous = this.#bookSequence.get(symbol);
    // A replica behind the one we read last time: its book is older than what consumers have.
    if (book.sequence !== null && previous !== undefined && book.sequence <= previous) return;
    if (book.sequence !== null) this.#bookSequence.set(symbol, book.sequence);
    await bus.publish(MarketEventName.OrderBookSnapshot, {
      exchange: client.id,
      symbol,
      source: DataSource.Live,
      emittedAt: clock.now(),
      timestamp: book.timestamp,
      ...(book.sequence === null ? {} : { sequence: book.sequence }),
      bids: book.bids,
      asks: book.asks,
    });
  }

  async trades(symbol: string, signal?: AbortSignal): Promise<void> {
    const { client, bus, clock } = this.options;
    const cursor = this.#tradeCursor.get(symbol);
    const page = await this.#call(`fetchTrades ${symbol}`, signal, () =>
      client.fetchTrades(symbol, cursor?.timestamp),
    );
    const fresh = page.items.filter(
      (trade) =>
        cursor === undefined ||
        trade.timestamp > cursor.timestamp ||
        (trade.timestamp === cursor.timestamp && trade.id !== null && !cursor.ids.has(trade.id)),
    );
    const newest = fresh[fresh.length - 1];
    if (newest === undefined) return;
    const ids = new Set(
      fresh
        .filter((trade) => trade.timestamp === newest.timestamp && trade.id !== null)
        .map((t) => t.id as string),
    );
    if (cursor?.timestamp === newest.timestamp) for (const id of cursor.ids) ids.add(id);
    this.#tradeCursor.set(symbol, { timestamp: newest.timestamp, ids });
    await bus.publish(MarketEventName.TradesBatch, {
      exchange: client.id,
      symbol,
      source: DataSource.Live,
      emittedAt: clock.now(),
      trades: fresh.map(({ timestamp, price, size, side }) => ({ timestamp, price, size, side })),
    });
  }

  async derivatives(symbol: string, kinds: DerivativesKinds, signal?: AbortSignal): Promise<void> {
    const { client, bus, clock, gate } = this.options;
    const operation = `derivatives ${symbol}`;
    const data = await gate.call(operation, () => client.fetchDerivatives(symbol, kinds), {
      attempts: this.options.attempts,
      signal,
    });
    const { fundingRate, openInterest, longShortRatio } = data;
    if (fundingRate === null && openInterest === null && longShortRatio === null) {
      gate.malformed(operation, 'no usable funding, open interest or ratio');
      return;
    }
    await bus.publish(MarketEventName.DerivativesSnapshot, {
      exchange: client.id,
      symbol,
      source: DataSource.Live,
      emittedAt: clock.now(),
      timestamp: data.timestamp,
      ...(fundingRate === null ? {} : { fundingRate }),
      ...(openInterest === null || openInterest < 0 ? {} : { openInterest }),
      ...(longShortRatio === null ? {} : { longShortRatio }),
    });
  }

  #call<T>(
    operation: string,
    signal: AbortSignal | undefined,
    call: () => Promise<Checked<T>>,
  ): Promise<Checked<T>> {
    return this.options.gate.callChecked(operation, call, { attempts: this.options.attempts, signal });
  }
}
