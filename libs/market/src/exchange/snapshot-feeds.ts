import { DataSource, type EventBus, MarketEventName } from '@app/contracts';
import type { Clock } from '../clock.js';
import type { ExchangeGate } from '../faults/exchange-gate.js';
import type { DerivativesKinds, MarketClient } from './market-client.js';
import type { BookData, Checked, TradeData } from './response-validation.js';
import type { TradeCursors } from './trade-cursor.js';

export interface SnapshotFeedsOptions {
  readonly client: MarketClient;
  /** Shared with the exchange's trade stream, so a fallback to polling repeats no trade. */
  readonly tradeCursors: TradeCursors;
  readonly gate: ExchangeGate;
  readonly bus: EventBus;
  readonly clock: Clock;
  readonly attempts: number;
}

/**
 * Order book, trades and derivatives of an exchange's symbols: each poll validated, ordered
 * against the previous one (an older book or a repeated trade is dropped), then published.
 */
export class SnapshotFeeds {
  readonly #bookSequence = new Map<string, number>();

  constructor(private readonly options: SnapshotFeedsOptions) {}

  async orderBook(symbol: string, depth: number, signal?: AbortSignal): Promise<void> {
    const { client } = this.options;
    const page = await this.#call(`fetchOrderBook ${symbol}`, signal, () =>
      client.fetchOrderBook(symbol, depth),
    );
    const book = page.items[0];
    if (book === undefined) return;
    const previous = this.#bookSequence.get(symbol);
    // A replica behind the one we read last time: its book is older than what consumers have.
    if (book.sequence !== null && previous !== undefined && book.sequence <= previous) return;
    if (book.sequence !== null) this.#bookSequence.set(symbol, book.sequence);
    await publishBook(this.options, symbol, book);
  }

  async trades(symbol: string, signal?: AbortSignal): Promise<void> {
    const { client, tradeCursors } = this.options;
    const page = await this.#call(`fetchTrades ${symbol}`, signal, () =>
      client.fetchTrades(symbol, tradeCursors.since(symbol)),
    );
    await publishTrades(this.options, symbol, page.items);
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

/**
 * Publishes the trades of `sorted` (oldest first) not published yet, by poll or by stream, and
 * moves the symbol's cursor past them.
 */
export async function publishTrades(
  options: Pick<SnapshotFeedsOptions, 'bus' | 'clock' | 'tradeCursors'> & {
    readonly client: Pick<MarketClient, 'id'>;
  },
  symbol: string,
  sorted: readonly TradeData[],
): Promise<number> {
  const { client, bus, clock, tradeCursors } = options;
  const fresh = tradeCursors.fresh(symbol, sorted);
  if (fresh.length === 0) return 0;
  tradeCursors.advance(symbol, fresh);
  await bus.publish(MarketEventName.TradesBatch, {
    exchange: client.id,
    symbol,
    source: DataSource.Live,
    emittedAt: clock.now(),
    trades: fresh.map(({ timestamp, price, size, side }) => ({ timestamp, price, size, side })),
  });
  return fresh.length;
}

/** Publishes a market's order book, polled or streamed. */
export async function publishBook(
  options: Pick<SnapshotFeedsOptions, 'bus' | 'clock'> & { readonly client: Pick<MarketClient, 'id'> },
  symbol: string,
  book: BookData,
): Promise<void> {
  await options.bus.publish(MarketEventName.OrderBookSnapshot, {
    exchange: options.client.id,
    symbol,
    source: DataSource.Live,
    emittedAt: options.clock.now(),
    timestamp: book.timestamp,
    ...(book.sequence === null ? {} : { sequence: book.sequence }),
    bids: book.bids,
    asks: book.asks,
  });
}
