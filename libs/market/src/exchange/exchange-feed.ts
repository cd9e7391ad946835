import { DataSource, MarketEventName, errorMessage } from '@app/contracts';
import { type Clock, isAborted } from '../clock.js';
import { ExchangeCallError, FaultKind } from '../faults/exchange-fault.js';
import type { ExchangeGate, ExchangeStatus } from '../faults/exchange-gate.js';
import { CandleFeed, type CandleFeedStatus } from './candle-feed.js';
import type { GapPolicy } from './gap-tracker.js';
import type { ExchangeSettings, MarketClient } from './market-client.js';
import { SnapshotFeeds } from './snapshot-feeds.js';
import { TradeCursors } from './trade-cursor.js';
import { ExchangeStreams } from '../stream/exchange-streams.js';
import { pollingStatus, type StreamStatus } from '../stream/stream-types.js';
import type { LogSink, EventBus, Timeframe } from '@app/contracts';

/** What consumers already have of each stream (market-data: the candle store). */
export interface CandleHistory {
  /** Open time of the newest live candle stored for the stream, or null when there is none. */
  lastCandle(exchange: string, symbol: string, timeframe: Timeframe): Promise<number | null>;
}

export interface ExchangeFeedOptions {
  readonly config: ExchangeSettings;
  readonly client: MarketClient;
  readonly gate: ExchangeGate;
  readonly bus: EventBus;
  readonly clock: Clock;
  readonly logger: LogSink;
  /** Closed candles each market needs for warm indicators; backfilled at start. */
  readonly warmupCandles: number;
  /** Where each stream resumes from; without it, streams start with the warm-up. */
  readonly history?: CandleHistory;
  /** Most candles a stream backfills at start from its last stored one (exchanges.yaml `resume`). */
  readonly resumeMaxCandles: number;
  /** Holes the exchange skips over: retried, then declared missing (exchanges.yaml `gaps`). */
  readonly gaps: GapPolicy;
  /** Tries per call, retries included (default 3). */
  readonly attempts?: number;
  /** Reconnect jitter (default Math.random). */
  readonly random?: () => number;
}

export interface ExchangeFeedStatus extends ExchangeStatus {
  readonly markets: readonly CandleFeedStatus[];
  /** Configured symbols the exchange does not list (never polled). */
  readonly unlisted: readonly string[];
  /** Where candles, trades and books come from now: the stream, or REST polling. */
  readonly streams: StreamStatus;
}

/**
 * How late a streamed close may be before the REST poll fetches it: exchanges send the closing
 * kline within a second or two of the close, so a close missing after this was lost (a dropped
 * or garbled frame) and waiting for the next close would delay it a whole interval.
 */
const CLOSE_GRACE_MS = 5_000;

interface Task {
  readonly name: string;
  readonly everyMs: number;
  nextAt: number;
  readonly run: (signal?: AbortSignal) => Promise<unknown>;
  /** A poll whose data is streaming now: it waits for its next turn without a request. */
  readonly skip?: () => boolean;
}

/**
 * Everything one exchange publishes: a candle feed per (symbol, timeframe), and order book,
 * trades and derivatives per symbol as configured. Tasks run one at a time on their own cadence
 * (ccxt's rate limiter and the gate pace them); a failing task waits for its next turn while the
 * others go on, and a failing exchange never holds up another exchange's feed.
 */
export class ExchangeFeed {
  readonly #candles: CandleFeed[] = [];
  readonly #tasks: Task[] = [];
  readonly #tradeCursors = new TradeCursors();
  /** Ends the streams: aborted by `stop()` or by the signal `run` was given. */
  readonly #streamsController = new AbortController();
  #streams: ExchangeStreams | null = null;
  #unlisted: string[] = [];
  #started = false;

  constructor(private readonly options: ExchangeFeedOptions) {}

  get id(): string {
    return this.options.config.id;
  }

  /**
   * Loads the exchange's markets (retrying until it answers or `signal` aborts), reads where each
   * stream resumes, and plans the tasks.
   */
  async start(signal?: AbortSignal): Promise<boolean> {
    const { client, gate, clock, config, logger } = this.options;
    while (!isAborted(signal)) {
      try {
        await gate.call('loadMarkets', () => client.loadMarkets(), { attempts: this.#attempts, signal });
        break;
      } catch (error) {
        const retryAt = gate.status().resumeAt;
        const wait = Math.max(1_000, retryAt === null ? 0 : retryAt - clock.now());
        logger.warn(`${this.id}: cannot load markets yet (${message(error)}); trying again in ${wait} ms`);
        await clock.sleep(wait, signal);
      }
    }
    if (isAborted(signal)) return false;
    this.#unlisted = config.symbols.filter((symbol) => !client.hasSymbol(symbol));
    for (const symbol of this.#unlisted)
      logger.error(`${this.id}: ${symbol} is not listed on the exchange; skipped`);
    const listed = config.symbols.filter((symbol) => client.hasSymbol(symbol));
    const candleFeeds = await this.#planCandles(listed);
    this.#planStreams(listed, candleFeeds);
    this.#planSnapshots(listed);
    this.#started = true;
    this.#streams?.start();
    return true;
  }

  /** Closes the streams (the polls stop with the signal given to `run` or `tick`). */
  async stop(): Promise<void> {
    this.#streamsController.abort();
    await this.#streams?.stop();
  }

  /** Runs every task that is due now, in order of due time. */
  async tick(signal?: AbortSignal): Promise<void> {
    const now = this.options.clock.now();
    const due = this.#tasks.filter((task) => task.nextAt <= now).sort((a, b) => a.nextAt - b.nextAt);
    for (const task of due) {
      if (isAborted(signal)) return;
      task.nextAt = this.options.clock.now() + task.everyMs;
      if (task.skip?.() === true) continue;
      try {
        await task.run(signal);
      } catch (error) {
        this.#failed(task, error);
      }
    }
  }

  /** Until aborted: start, then run tasks as they fall due. */
  async run(signal: AbortSignal): Promise<void> {
    signal.addEventListener('abort', () => void this.stop(), { once: true });
    if (!this.#started && !(await this.start(signal))) return;
    if (this.#tasks.length === 0) {
      this.options.logger.warn(`${this.id}: nothing to poll (no listed symbol, or every data kind off)`);
      return;
    }
    while (!signal.aborted) {
      await this.tick(signal);
      const next = Math.min(...this.#tasks.map((task) => task.nextAt));
      await this.options.clock.sleep(Math.max(0, next - this.options.clock.now()), signal);
    }
  }

  /** The gate's health, `degraded` while a stream is down and REST polling stands in for it. */
  status(): ExchangeFeedStatus {
    const gate = this.options.gate.status();
    const streams = this.#streams?.status(gate.status) ?? pollingStatus();
    const fallback = Object.entries(streams.kinds)
      .filter(([, state]) => state === 'polling (fallback)')
      .map(([kind]) => kind);
    const degraded = gate.status === 'ok' && fallback.length > 0;
    return {
      ...gate,
      ...(degraded && {
        status: 'degraded' as const,
        reason: `streams down, polling (fallback): ${fallback.join(', ')}${streams.lastError === null ? '' : ` (${streams.lastError})`}`,
      }),
      markets: this.#candles.map((feed) => feed.status()),
      unlisted: [...this.#unlisted],
      streams,
    };
  }

  get #attempts(): number {
    return this.options.attempts ?? 3;
  }

  async #planCandles(symbols: readonly string[]): Promise<Map<string, CandleFeed>> {
    const { config, client, gate, clock, logger, bus, gaps } = this.options;
    const feeds = new Map<string, CandleFeed>();
    if (!config.data.candles) return feeds;
    for (const symbol of symbols) {
      for (const timeframe of config.timeframes) {
        const feed = new CandleFeed({
          symbol,
          timeframe,
          client,
          gate,
          clock,
          logger,
          attempts: this.#attempts,
          gaps,
          publish: (candle) =>
            bus.publish(MarketEventName.CandleClosed, {
              exchange: this.id,
              symbol,
              timeframe,
              source: DataSource.Live,
              emittedAt: clock.now(),
              candle,
            }),
        });
        feed.resume({
          warmup: this.options.warmupCandles,
          maxCandles: this.options.resumeMaxCandles,
          lastStored: await this.#lastStored(symbol, timeframe),
        });
        this.#candles.push(feed);
        feeds.set(`${symbol} ${timeframe}`, feed);
        // The first poll always runs: it backfills the warm-up and any hole since the last run.
        // Later ones wait while the stream delivers every close in time.
        this.#add(
          `candles ${symbol} ${timeframe}`,
          config.polling.candlesMs,
          (signal) => feed.poll(signal),
          () =>
            feed.status().published > 0 &&
            this.#streaming('candles', symbol, timeframe) &&
            feed.current(clock.now() - CLOSE_GRACE_MS),
        );
      }
    }
    return feeds;
  }

  #streaming(kind: 'candles' | 'trades' | 'orderBook', symbol: string, timeframe?: Timeframe): boolean {
    return this.#streams?.covers(kind, symbol, timeframe) ?? false;
  }

  /** With `transport: websocket` and a ccxt pro stream for the exchange, the streams and their tasks. */
  #planStreams(symbols: readonly string[], candleFeeds: ReadonlyMap<string, CandleFeed>): void {
    const { config, client, bus, clock, logger } = this.options;
    if (config.transport !== 'websocket' || symbols.length === 0) return;
    const connector = client.streams?.() ?? null;
    if (connector === null || connector.supported.length === 0) {
      logger.warn(`${this.id}: ccxt pro has no streams for this exchange; polling instead`);
      return;
    }
    const streams = new ExchangeStreams({
      connector,
      settings: config.stream,
      client,
      symbols,
      timeframes: config.timeframes,
      kinds: {
        candles: config.data.candles,
        trades: config.data.trades,
        orderBook: config.data.orderBook.enabled,
      },
      bookDepth: config.data.orderBook.depth,
      candleFeeds,
      tradeCursors: this.#tradeCursors,
      bus,
      clock,
      logger,
      random: this.options.random ?? Math.random,
      signal: this.#streamsController.signal,
    });
    for (const task of streams.tasks()) this.#add(task.name, task.everyMs, () => task.run());
    this.#streams = streams;
  }

  /** The stream's newest stored candle; a store that cannot say leaves the stream to its warm-up. */
  async #lastStored(symbol: string, timeframe: Timeframe): Promise<number | null> {
    const { history, logger } = this.options;
    if (history === undefined) return null;
    try {
      return await history.lastCandle(this.id, symbol, timeframe);
    } catch (error) {
      logger.warn(
        `${this.id} ${symbol} ${timeframe}: cannot read the last stored candle (${message(error)}); starting from the warm-up`,
      );
      return null;
    }
  }

  #planSnapshots(symbols: readonly string[]): void {
    const { config } = this.options;
    const snapshots = new SnapshotFeeds({
      ...this.options,
      attempts: this.#attempts,
      tradeCursors: this.#tradeCursors,
    });
    const { orderBook, trades, fundingRate, openInterest, longShortRatio } = config.data;
    for (const symbol of symbols) {
      if (orderBook.enabled)
        this.#add(
          `order book ${symbol}`,
          config.polling.orderBookMs,
          (signal) => snapshots.orderBook(symbol, orderBook.depth, signal),
          () => this.#streaming('orderBook', symbol),
        );
      if (trades)
        this.#add(
          `trades ${symbol}`,
          config.polling.tradesMs,
          (signal) => snapshots.trades(symbol, signal),
          () => this.#streaming('trades', symbol),
        );
      if (fundingRate || openInterest || longShortRatio)
        this.#add(`derivatives ${symbol}`, config.polling.derivativesMs, (signal) =>
          snapshots.derivatives(symbol, { fundingRate, openInterest, longShortRatio }, signal),
        );
    }
  }

  #add(name: string, everyMs: number, run: Task['run'], skip?: () => boolean): void {
    this.#tasks.push({
      name,
      everyMs,
      nextAt: this.options.clock.now(),
      run,
      ...(skip === undefined ? {} : { skip }),
    });
  }

  #failed(task: Task, error: unknown): void {
    if (error instanceof ExchangeCallError) {
      // The gate has logged the fault; while the circuit is open, wait for its probe time.
      const resumeAt = this.options.gate.status().resumeAt;
      if (error.fault.kind === FaultKind.CircuitOpen && resumeAt !== null)
        task.nextAt = Math.max(task.nextAt, resumeAt);
      return;
    }
    this.options.logger.error(`${this.id} ${task.name}: ${message(error)}`);
  }
}

function message(error: unknown): string {
  return errorMessage(error);
}
