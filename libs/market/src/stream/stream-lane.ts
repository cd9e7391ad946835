import { type BackoffPolicy, type LogSink, type Timeframe, backoffDelay, errorMessage } from '@app/contracts';
import { type Clock, isAborted } from '../clock.js';
import { StreamFault, streamFault } from './ccxt-stream.js';
import type {
  BookUpdate,
  CandleUpdate,
  FrameEvents,
  StreamConnection,
  StreamConnector,
  StreamKind,
  TradeUpdate,
} from './stream-types.js';

/** Where a lane's data goes (the exchange's streams route it to the candle feeds and buffers). */
export interface LaneSink {
  closedCandle(symbol: string, timeframe: Timeframe, candle: CandleUpdate['candles'][number]): void;
  /** Generic exchanges: candles as ccxt parsed them; a close is seen when the next candle opens. */
  candlePage(update: CandleUpdate): void;
  trades(update: TradeUpdate): void;
  /** Books of these symbols may have changed; `connection` reads them. */
  books(symbols: readonly string[], connection: StreamConnection): void;
  /** The symbol's book is wrong until its stream sends a new one. */
  bookInvalid(symbol: string): void;
}

export interface LaneCounters {
  reconnects: number;
  silences: number;
  bookResyncs: number;
  malformedFrames: number;
  refusedSubscriptions: number;
}

/** One subscription request: a kind and the symbols (or pairs) it covers. */
export interface LaneSubscription {
  readonly kind: StreamKind;
  readonly symbols: readonly string[];
  /** Candles only: the (symbol, timeframe) pairs. */
  readonly pairs: readonly (readonly [string, Timeframe])[];
}

export interface LaneOptions {
  readonly name: string;
  readonly connector: StreamConnector;
  readonly subscriptions: readonly LaneSubscription[];
  readonly bookDepth: number;
  readonly silenceMs: number;
  readonly reconnect: BackoffPolicy;
  readonly clock: Clock;
  readonly random: () => number;
  readonly logger: LogSink;
  readonly sink: LaneSink;
  readonly counters: LaneCounters;
  readonly signal: AbortSignal;
}

interface Session {
  readonly generation: number;
  connection: StreamConnection | null;
  /** Subscriptions whose watch has resolved in this session. */
  readonly live: Set<LaneSubscription>;
  /** Subscriptions asked for in this session. */
  readonly watching: Set<LaneSubscription>;
}

/**
 * One connection's worth of subscriptions (a ccxt pro session). A subscription counts as
 * streaming once its watch has delivered in the current session; until then, and whenever the
 * session fails, the exchange feed polls its markets. A dropped connection, a silence longer than
 * `silenceMs` or a Bybit book gap ends the session: it is closed whole and a new one opens after
 * a backoff on the feed's clock. A refused subscription waits its own backoff and asks again.
 */
export class StreamLane {
  #generation = 0;
  #session: Session | null = null;
  #attempt = 0;
  #lastDataAt: number;
  #reconnecting = false;
  /** Subscriptions the exchange refused: left out of sessions until `until`. */
  readonly #refused = new Map<LaneSubscription, { refusals: number; until: number }>();
  lastError: string | null = null;

  /** Each symbol's subscriptions: poll tasks ask per market, many times a second with many markets. */
  readonly #bySymbol = new Map<string, LaneSubscription[]>();

  constructor(private readonly options: LaneOptions) {
    this.#lastDataAt = options.clock.now();
    for (const subscription of options.subscriptions)
      for (const symbol of subscription.symbols)
        this.#bySymbol.set(symbol, [...(this.#bySymbol.get(symbol) ?? []), subscription]);
  }

  /** The symbols this lane carries. */
  get symbols(): Iterable<string> {
    return this.#bySymbol.keys();
  }

  get subscriptions(): readonly LaneSubscription[] {
    return this.options.subscriptions;
  }

  get open(): boolean {
    return this.#session?.connection != null;
  }

  /** Whether `kind` of `symbol` (of `timeframe`, for candles) is streaming now. */
  streaming(kind: StreamKind, symbol: string, timeframe?: Timeframe): boolean {
    const live = this.#session?.live;
    if (live === undefined) return false;
    for (const subscription of this.#bySymbol.get(symbol) ?? [])
      if (
        subscription.kind === kind &&
        live.has(subscription) &&
        (timeframe === undefined || covers(subscription, symbol, timeframe))
      )
        return true;
    return false;
  }

  /** Whether every subscription of `kind` in this lane is streaming. */
  streamingAll(kind: StreamKind): boolean {
    const session = this.#session;
    return this.options.subscriptions.every(
      (subscription) => subscription.kind !== kind || (session?.live.has(subscription) ?? false),
    );
  }

  start(): void {
    void this.#connect();
  }

  /**
   * Ends a session that has sent no data for `silenceMs`, or one that leaves out a refused
   * subscription whose wait is over (a new session asks for it again).
   */
  watchdog(): void {
    const session = this.#session;
    if (session?.connection == null || this.#reconnecting) return;
    const now = this.options.clock.now();
    for (const [subscription, refused] of this.#refused)
      if (refused.until <= now && !session.watching.has(subscription)) {
        this.#fail(`asking again for the refused ${subscription.kind} subscription`);
        return;
      }
    const quiet = now - this.#lastDataAt;
    if (quiet < this.options.silenceMs) return;
    this.options.counters.silences++;
    this.#fail(`no data for ${quiet} ms`);
  }

  async stop(): Promise<void> {
    this.#generation++;
    const connection = this.#session?.connection ?? null;
    this.#session = null;
    if (connection !== null) await connection.close().catch(() => undefined);
  }

  /** Frame-level events of the session numbered `generation`. */
  #events(generation: number): FrameEvents {
    const { sink, counters, clock } = this.options;
    const current = (): boolean => generation === this.#generation;
    return {
      closedCandle: (symbol, timeframe, candle) => {
        if (current()) sink.closedCandle(symbol, timeframe, candle);
      },
      bookGap: (symbol, detail) => {
        if (!current()) return;
        counters.bookResyncs++;
        sink.bookInvalid(symbol);
        // Bybit's way back to a right book is a new snapshot, which a new subscription brings.
        this.#fail(`book sequence gap (${detail}); resubscribing for a new snapshot`);
      },
      malformed: (detail) => {
        if (!current()) return;
        counters.malformedFrames++;
        this.options.logger.warn(`${this.options.name}: malformed frame dropped (${detail})`);
      },
      data: () => {
        if (current()) this.#lastDataAt = clock.now();
      },
    };
  }

  async #connect(): Promise<void> {
    const { connector, signal, logger, name } = this.options;
    if (signal.aborted) return;
    const generation = ++this.#generation;
    const session: Session = { generation, connection: null, live: new Set(), watching: new Set() };
    this.#session = session;
    this.#reconnecting = false;
    try {
      const connection = await connector.open({ events: this.#events(generation) });
      if (this.#stale(generation) || isAborted(signal)) {
        await connection.close().catch(() => undefined);
        return;
      }
      session.connection = connection;
      this.#lastDataAt = this.options.clock.now();
      logger.log(`${name}: connected (${this.options.subscriptions.length} subscription(s))`);
    } catch (error) {
      this.#fail(`cannot connect: ${errorMessage(error)}`);
      return;
    }
    const now = this.options.clock.now();
    for (const subscription of this.options.subscriptions)
      if ((this.#refused.get(subscription)?.until ?? 0) <= now) {
        session.watching.add(subscription);
        void this.#watch(session, subscription);
      }
  }

  async #watch(session: Session, subscription: LaneSubscription): Promise<void> {
    const { sink, counters, signal, logger, name } = this.options;
    while (session.generation === this.#generation && !signal.aborted) {
      const connection = session.connection;
      if (connection === null) return;
      try {
        const update = await this.#next(connection, subscription);
        // A session ended meanwhile (a book gap, say) delivers nothing more.
        if (this.#stale(session.generation)) return;
        this.#deliver(update, connection);
        session.live.add(subscription);
        this.#refused.delete(subscription);
        this.#attempt = 0;
      } catch (error) {
        if (this.#stale(session.generation) || isAborted(signal)) return;
        const fault = error instanceof StreamFault ? error : streamFault(error);
        this.lastError = fault.message;
        if (fault.kind === 'bookResync') {
          // ccxt has dropped the book and fetches a new REST snapshot on the next watch.
          counters.bookResyncs++;
          for (const symbol of subscription.symbols) sink.bookInvalid(symbol);
          logger.warn(`${name}: order book out of sequence (${fault.message}); resyncing from a snapshot`);
          continue;
        }
        if (fault.kind === 'closed') return;
        if (fault.kind === 'disconnected') {
          this.#fail(`connection lost: ${fault.message}`);
          return;
        }
        if (fault.kind === 'invalid') {
          counters.malformedFrames++;
          logger.warn(`${name}: ${subscription.kind} update dropped (${fault.message})`);
          continue;
        }
        counters.refusedSubscriptions++;
        // ccxt keeps a refused subscription on the connection (Binance), so asking again on it
        // sends nothing: the lane reconnects without it and asks again after a backoff.
        const refusals = (this.#refused.get(subscription)?.refusals ?? 0) + 1;
        const wait = Math.max(
          this.options.reconnect.baseMs,
          backoffDelay(refusals, this.options.reconnect, this.options.random),
        );
        const reconnectAt = this.#fail('resubscribing without the refused subscription');
        this.#refused.set(subscription, { refusals, until: reconnectAt + wait });
        logger.warn(
          `${name}: ${subscription.kind} subscription for ${subscription.symbols.join(', ')} refused (${fault.message}); polling it, asking again ${wait} ms after reconnecting`,
        );
        return;
      }
    }
  }

  /** Whether the session numbered `generation` has ended (read after an await, so never narrowed). */
  #stale(generation: number): boolean {
    return generation !== this.#generation;
  }

  #next(
    connection: StreamConnection,
    subscription: LaneSubscription,
  ): Promise<CandleUpdate | TradeUpdate | BookUpdate> {
    if (subscription.kind === 'candles') return connection.watchCandles(subscription.pairs);
    if (subscription.kind === 'trades') return connection.watchTrades(subscription.symbols);
    return connection.watchOrderBook(subscription.symbols, this.options.bookDepth);
  }

  #deliver(update: CandleUpdate | TradeUpdate | BookUpdate, connection: StreamConnection): void {
    const { sink } = this.options;
    if ('books' in update) sink.books(update.books, connection);
    else if ('trades' in update) sink.trades(update);
    // Where frames flag closes, the frame reader has already handed each close over.
    else if (!connection.flagsClosedCandles) sink.candlePage(update);
  }

  /** Ends the session and schedules the next after a backoff; returns when it will open. */
  #fail(reason: string): number {
    const { clock, signal, logger, name, counters } = this.options;
    if (this.#reconnecting || signal.aborted) return clock.now();
    this.#reconnecting = true;
    this.lastError = reason;
    const session = this.#session;
    // Watches of the closed session see a newer generation and stop.
    this.#generation++;
    this.#session = null;
    const connection = session?.connection ?? null;
    if (connection !== null) void connection.close().catch(() => undefined);
    const wait = backoffDelay(this.#attempt++, this.options.reconnect, this.options.random);
    counters.reconnects++;
    logger.warn(`${name}: ${reason}; polling meanwhile, reconnecting in ${wait} ms`);
    const reconnectAt = clock.now() + wait;
    void clock
      .sleep(wait, signal)
      .then(() => this.#connect())
      .catch(() => undefined);
    return reconnectAt;
  }
}

function covers(subscription: LaneSubscription, symbol: string, timeframe: Timeframe): boolean {
  return subscription.pairs.some(
    ([pairSymbol, pairTimeframe]) => pairSymbol === symbol && pairTimeframe === timeframe,
  );
}
