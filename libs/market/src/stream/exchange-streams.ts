import type { Candle } from '@app/confluence';
import {
  type BackoffPolicy,
  type EventBus,
  type LogSink,
  type Timeframe,
  errorMessage,
} from '@app/contracts';
import type { Clock } from '../clock.js';
import type { CandleFeed } from '../exchange/candle-feed.js';
import type { MarketClient } from '../exchange/market-client.js';
import type { BookData, TradeData } from '../exchange/response-validation.js';
import { publishBook, publishTrades } from '../exchange/snapshot-feeds.js';
import type { TradeCursors } from '../exchange/trade-cursor.js';
import type { ExchangeHealth } from '../faults/exchange-gate.js';
import { type LaneCounters, type LaneSink, type LaneSubscription, StreamLane } from './stream-lane.js';
import {
  STREAM_KINDS,
  type StreamConnection,
  type StreamConnector,
  type StreamKind,
  type StreamState,
  type StreamStatus,
} from './stream-types.js';

/** exchanges.yaml `stream` of one exchange. */
export interface StreamSettings {
  readonly silenceMs: number;
  readonly maxTopicsPerConnection: number;
  readonly subscriptionBatch: number;
  readonly bookPublishMs: number;
  readonly tradesFlushMs: number;
  readonly reconnect: BackoffPolicy;
}

export interface ExchangeStreamsOptions {
  readonly connector: StreamConnector;
  readonly settings: StreamSettings;
  readonly client: Pick<MarketClient, 'id'>;
  readonly symbols: readonly string[];
  readonly timeframes: readonly Timeframe[];
  readonly kinds: { readonly candles: boolean; readonly trades: boolean; readonly orderBook: boolean };
  readonly bookDepth: number;
  /** The candle feed of each `symbol timeframe`: streamed closes join the polled series there. */
  readonly candleFeeds: ReadonlyMap<string, CandleFeed>;
  readonly tradeCursors: TradeCursors;
  readonly bus: EventBus;
  readonly clock: Clock;
  readonly logger: LogSink;
  readonly random: () => number;
  readonly signal: AbortSignal;
}

export interface StreamTask {
  readonly name: string;
  readonly everyMs: number;
  readonly run: () => Promise<void>;
}

/** Trades a symbol's stream delivered since the last flush, and their ids (repeats are dropped). */
interface PendingTrades {
  readonly trades: TradeData[];
  readonly ids: Set<string>;
}

/**
 * An exchange's WebSocket streams: lanes of subscriptions (each one connection), their closes fed
 * into the same candle feeds the REST poll uses (one sequencer decides what is published, so a
 * candle is published once whichever way it came), trades batched per `tradesFlushMs`, and the
 * newest book of each symbol published at most every `bookPublishMs`.
 */
export class ExchangeStreams {
  readonly #lanes: StreamLane[] = [];
  readonly #counters: LaneCounters = {
    reconnects: 0,
    silences: 0,
    bookResyncs: 0,
    malformedFrames: 0,
    refusedSubscriptions: 0,
  };
  readonly #pending = new Map<string, PendingTrades>();
  /** Symbols whose book changed since it was last published, with the session that holds it. */
  readonly #dirtyBooks = new Map<string, StreamConnection>();
  /** `timestamp sequence` of each symbol's last published book, so an unchanged one is not sent again. */
  readonly #publishedBooks = new Map<string, string>();
  #streamedCandles = 0;
  /** The lane carrying each symbol (each symbol is in one). */
  readonly #laneOf = new Map<string, StreamLane>();
  readonly kinds: readonly StreamKind[];

  constructor(private readonly options: ExchangeStreamsOptions) {
    const { connector, kinds } = options;
    this.kinds = STREAM_KINDS.filter((kind) => kinds[kind] && connector.supported.includes(kind));
    for (const [index, subscriptions] of this.#plan().entries())
      this.#lanes.push(
        new StreamLane({
          name: `${options.client.id} stream ${index + 1}`,
          connector,
          subscriptions,
          bookDepth: options.bookDepth,
          silenceMs: options.settings.silenceMs,
          reconnect: options.settings.reconnect,
          clock: options.clock,
          random: options.random,
          logger: options.logger,
          sink: this.#sink(),
          counters: this.#counters,
          signal: options.signal,
        }),
      );
    for (const lane of this.#lanes) for (const symbol of lane.symbols) this.#laneOf.set(symbol, lane);
  }

  start(): void {
    for (const lane of this.#lanes) lane.start();
  }

  async stop(): Promise<void> {
    await Promise.allSettled(this.#lanes.map((lane) => lane.stop()));
  }

  /** Whether `kind` of the market is streaming now (its poll can wait). */
  covers(kind: StreamKind, symbol: string, timeframe?: Timeframe): boolean {
    return this.#laneOf.get(symbol)?.streaming(kind, symbol, timeframe) ?? false;
  }

  /** The watchdog and the two flushes, run on the exchange feed's task loop. */
  tasks(): StreamTask[] {
    const { settings } = this.options;
    const tasks: StreamTask[] = [
      {
        name: 'stream watchdog',
        everyMs: Math.max(250, Math.floor(settings.silenceMs / 4)),
        run: () => {
          for (const lane of this.#lanes) lane.watchdog();
          return Promise.resolve();
        },
      },
    ];
    if (this.kinds.includes('trades'))
      tasks.push({ name: 'stream trades', everyMs: settings.tradesFlushMs, run: () => this.flushTrades() });
    if (this.kinds.includes('orderBook'))
      tasks.push({
        name: 'stream order books',
        everyMs: settings.bookPublishMs,
        run: () => this.publishBooks(),
      });
    return tasks;
  }

  async flushTrades(): Promise<void> {
    for (const [symbol, pending] of this.#pending) {
      this.#pending.delete(symbol);
      const sorted = pending.trades.sort((a, b) => a.timestamp - b.timestamp);
      if ((await publishTrades(this.options, symbol, sorted)) > 0) await betweenPublications();
    }
  }

  async publishBooks(): Promise<void> {
    const { client, bookDepth, logger } = this.options;
    for (const [symbol, connection] of this.#dirtyBooks) {
      this.#dirtyBooks.delete(symbol);
      let book: BookData | null;
      try {
        book = connection.orderBook(symbol, bookDepth);
      } catch (error) {
        this.#counters.malformedFrames++;
        logger.warn(`${client.id} ${symbol}: streamed book not published (${errorMessage(error)})`);
        continue;
      }
      // A batch's other books may still wait for their first snapshot (ccxt holds them empty).
      if (book === null || book.bids.length === 0 || book.asks.length === 0) continue;
      const mark = `${book.timestamp} ${String(book.sequence)}`;
      if (this.#publishedBooks.get(symbol) === mark) continue;
      this.#publishedBooks.set(symbol, mark);
      await publishBook(this.options, symbol, book);
      await betweenPublications();
    }
  }

  status(rest: ExchangeHealth): StreamStatus {
    const kinds = {} as Record<StreamKind, StreamState>;
    for (const kind of STREAM_KINDS) kinds[kind] = this.#state(kind, rest);
    const lastError = this.#lanes.map((lane) => lane.lastError).find((error) => error !== null) ?? null;
    return {
      transport: 'websocket',
      kinds,
      connections: { open: this.#lanes.filter((lane) => lane.open).length, planned: this.#lanes.length },
      ...this.#counters,
      streamedCandles: this.#streamedCandles,
      lastError,
    };
  }

  #state(kind: StreamKind, rest: ExchangeHealth): StreamState {
    if (!this.kinds.includes(kind)) return 'polling';
    if (this.#lanes.every((lane) => lane.streamingAll(kind))) return 'streaming';
    return rest === 'down' ? 'down' : 'polling (fallback)';
  }

  /**
   * Symbols split so no connection carries more than `maxTopicsPerConnection` topics (a
   * market's candles of one timeframe, its trades, its book), and each subscribe request at most
   * `subscriptionBatch` of them.
   */
  #plan(): LaneSubscription[][] {
    const { symbols, timeframes, settings } = this.options;
    const perSymbol =
      (this.kinds.includes('candles') ? timeframes.length : 0) +
      (this.kinds.includes('trades') ? 1 : 0) +
      (this.kinds.includes('orderBook') ? 1 : 0);
    if (perSymbol === 0) return [];
    const perLane = Math.max(1, Math.floor(settings.maxTopicsPerConnection / perSymbol));
    const lanes: LaneSubscription[][] = [];
    for (const group of chunks(symbols, perLane)) {
      const subscriptions: LaneSubscription[] = [];
      for (const kind of this.kinds) {
        if (kind === 'candles') {
          const pairs = group.flatMap((symbol) => timeframes.map((tf) => [symbol, tf] as const));
          for (const batch of chunks(pairs, settings.subscriptionBatch))
            subscriptions.push({
              kind,
              symbols: [...new Set(batch.map(([symbol]) => symbol))],
              pairs: batch,
            });
        } else
          for (const batch of chunks(group, settings.subscriptionBatch))
            subscriptions.push({ kind, symbols: batch, pairs: [] });
      }
      lanes.push(subscriptions);
    }
    return lanes;
  }

  #sink(): LaneSink {
    const { candleFeeds, logger, client } = this.options;
    const offer = (
      symbol: string,
      timeframe: Timeframe,
      run: (feed: CandleFeed) => Promise<number>,
    ): void => {
      const feed = candleFeeds.get(`${symbol} ${timeframe}`);
      if (feed === undefined) return;
      run(feed).then(
        (published) => {
          this.#streamedCandles += published;
        },
        (error: unknown) => {
          // The gate has logged an exchange fault; the held candles go out with the next close or poll.
          logger.warn(
            `${client.id} ${symbol} ${timeframe}: streamed candle not published yet (${errorMessage(error)})`,
          );
        },
      );
    };
    return {
      closedCandle: (symbol, timeframe, candle: Candle) => {
        offer(symbol, timeframe, (feed) => feed.offerClosed(candle));
      },
      candlePage: (update) => {
        offer(update.symbol, update.timeframe, (feed) => feed.offerPage(update.candles));
      },
      trades: (update) => {
        const pending = this.#pending.get(update.symbol) ?? { trades: [], ids: new Set<string>() };
        for (const trade of update.trades) {
          if (trade.id !== null) {
            if (pending.ids.has(trade.id)) continue;
            pending.ids.add(trade.id);
          }
          pending.trades.push(trade);
        }
        this.#pending.set(update.symbol, pending);
      },
      books: (symbols, connection) => {
        for (const symbol of symbols) this.#dirtyBooks.set(symbol, connection);
      },
      bookInvalid: (symbol) => {
        this.#dirtyBooks.delete(symbol);
      },
    };
  }
}

/**
 * A turn of the event loop between two publications of a flush. On local mode's in-process bus a
 * publish resolves only once the analysis has run, so a flush of every market's book (hundreds,
 * each a bus copy and a book update, some a refresh) would otherwise hold the loop for tens of ms,
 * and a candle close arriving meanwhile would wait for all of it (bench:stream's paced tail).
 */
function betweenPublications(): Promise<void> {
  return new Promise((resolve) => {
    setImmediate(resolve);
  });
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const result: T[][] = [];
  for (let start = 0; start < items.length; start += size) result.push(items.slice(start, start + size));
  return result;
}
