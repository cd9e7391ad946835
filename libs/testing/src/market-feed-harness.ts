import { InProcessEventBus } from '@app/bus';
import type { Candle } from '@app/confluence';
import { MarketEventName, timeframeToMs } from '@app/contracts';
import { EXCHANGES_DEFAULTS, STREAM_DEFAULTS } from '@app/config';
import {
  type CandleHistory,
  ExchangeFeed,
  ExchangeGate,
  type ExchangeSettings,
  type GapPolicy,
  type StreamSettings,
} from '@app/market';
import {
  alignedFakeDataset,
  type FakeDataset,
  type FakeExchangeId,
  FakeExchangeServer,
} from './fake-exchange/index.js';
// By path: the market lib's index loads ccxt only when a live client is built (its own reason).
import { CcxtMarketClient } from '../../market/src/exchange/ccxt-client.js';
import { eventually } from './eventually.js';
import { ManualClock } from './manual-clock.js';
import type { LogSink, Timeframe } from '@app/contracts';

/** Collects what a logger is told, for assertions. */
export class RecordingLogger implements LogSink {
  readonly lines: string[] = [];
  log(message: string): void {
    this.lines.push(`log ${message}`);
  }
  warn(message: string): void {
    this.lines.push(`warn ${message}`);
  }
  error(message: string): void {
    this.lines.push(`error ${message}`);
  }
}

export interface HarnessMarket {
  readonly symbols: readonly string[];
  readonly timeframes: readonly Timeframe[];
}

export interface FeedHarnessOptions {
  readonly exchanges: readonly FakeExchangeId[];
  readonly market?: HarnessMarket;
  /** Virtual start time; default 600 minutes into the BTC data, 30 s into a minute. */
  readonly start?: number;
  readonly warmupCandles?: number;
  readonly requestTimeoutMs?: number;
  readonly derivatives?: boolean;
  /** What the store holds (default: nothing, so streams start with the warm-up). */
  readonly history?: CandleHistory;
  /** Default: the built-in exchanges.yaml default. */
  readonly resumeMaxCandles?: number;
  /** Default: the built-in exchanges.yaml default. */
  readonly gaps?: GapPolicy;
  /** Default `polling` (the REST suites); `websocket` streams through ccxt pro from the fake. */
  readonly transport?: 'websocket' | 'polling';
  /** Over the exchanges.yaml stream defaults. */
  readonly stream?: Partial<StreamSettings>;
  /** Data kinds other than candles (default true: books and trades). */
  readonly snapshots?: boolean;
}

/**
 * Not exported from the testing index on purpose: it loads ccxt, the bus and the market lib, which
 * every suite importing `@app/testing` would otherwise pay for. Import it by path.
 *
 * Real ccxt exchanges pointed at the loopback fake, one ExchangeFeed each, publishing on an
 * in-process bus whose subscriber records every closed candle — all on one virtual clock.
 */
export class FeedHarness {
  readonly received = new Map<string, Candle[]>();
  readonly events: { name: string; exchange: string; symbol: string }[] = [];
  /** The newest order book published per `exchange symbol`, with its update id. */
  readonly books = new Map<
    string,
    { sequence: number | null; bids: [number, number][]; asks: [number, number][] }
  >();
  /** Every trade published per `exchange symbol`, in order. */
  readonly trades = new Map<string, { timestamp: number; price: number; size: number; side: string }[]>();
  readonly logger = new RecordingLogger();
  readonly bus = new InProcessEventBus(this.logger);
  readonly feeds: ExchangeFeed[] = [];
  readonly #clients: CcxtMarketClient[] = [];

  private constructor(
    readonly server: FakeExchangeServer,
    readonly clock: ManualClock,
    readonly dataset: FakeDataset,
  ) {}

  static async start(options: FeedHarnessOptions): Promise<FeedHarness> {
    const dataset = alignedFakeDataset();
    const firstBtc = dataset.get('binance', 'BTC/USDT', '1m')?.[0]?.timestamp ?? 0;
    const clock = new ManualClock(options.start ?? firstBtc + 600 * 60_000 + 30_000);
    const server = await FakeExchangeServer.start({ now: () => clock.now(), dataset });
    const harness = new FeedHarness(server, clock, dataset);
    harness.#subscribe();
    const market = options.market ?? { symbols: ['BTC/USDT', 'LTC/USDT'], timeframes: ['1m', '5m'] };
    for (const id of options.exchanges) {
      const config = harness.exchangeConfig(id, market, options);
      const client = new CcxtMarketClient({ config, clock, rateLimitMs: 1 });
      harness.#clients.push(client);
      const gate = new ExchangeGate({
        exchange: id,
        retry: { baseMs: 500, maxMs: 30_000 },
        breaker: { failureThreshold: 5, openMs: 15_000, maxOpenMs: 120_000 },
        clock,
        random: () => 0.5,
        logger: harness.logger,
      });
      harness.feeds.push(
        new ExchangeFeed({
          config,
          client,
          gate,
          bus: harness.bus,
          clock,
          logger: harness.logger,
          warmupCandles: options.warmupCandles ?? 30,
          history: options.history,
          resumeMaxCandles: options.resumeMaxCandles ?? EXCHANGES_DEFAULTS.resume.maxCandles,
          gaps: options.gaps ?? EXCHANGES_DEFAULTS.gaps,
          random: () => 0.5,
        }),
      );
    }
    return harness;
  }

  exchangeConfig(id: FakeExchangeId, market: HarnessMarket, options: FeedHarnessOptions): ExchangeSettings {
    const derivatives = options.derivatives ?? true;
    const snapshots = options.snapshots ?? true;
    return {
      id,
      enabled: true,
      symbols: market.symbols,
      timeframes: market.timeframes,
      data: {
        candles: true,
        orderBook: { enabled: snapshots, depth: 10, record: [] },
        trades: snapshots,
        fundingRate: derivatives,
        openInterest: derivatives,
        longShortRatio: derivatives,
      },
      polling: { candlesMs: 60_000, orderBookMs: 60_000, tradesMs: 60_000, derivativesMs: 300_000 },
      transport: options.transport ?? 'polling',
      // Silence is judged on the virtual clock, which jumps a minute per step before the frames
      // of that minute arrive: a default beyond a step, so only the silence tests see one.
      stream: { ...STREAM_DEFAULTS, silenceMs: 180_000, ...options.stream },
      wsUrls: id === 'binance' ? this.server.binanceWsUrls() : this.server.bybitWsUrls(),
      apiUrls: id === 'binance' ? this.server.binanceApiUrls() : this.server.bybitApiUrls(),
      sandbox: false,
      requestTimeoutMs: options.requestTimeoutMs ?? 30_000,
    };
  }

  feed(id: FakeExchangeId): ExchangeFeed {
    const feed = this.feeds.find((candidate) => candidate.id === id);
    if (feed === undefined) throw new Error(`no feed for ${id}`);
    return feed;
  }

  async startAll(): Promise<void> {
    for (const feed of this.feeds) await feed.start();
  }

  /** Advances the virtual clock a minute at a time, ticking every feed after each step. */
  async runMinutes(minutes: number, only?: readonly FakeExchangeId[]): Promise<void> {
    for (let step = 0; step < minutes; step++) {
      this.clock.advance(60_000);
      for (const feed of this.feeds)
        if (only === undefined || only.includes(feed.id as FakeExchangeId)) await feed.tick();
    }
  }

  candles(exchange: string, symbol: string, timeframe: Timeframe): Candle[] {
    return this.received.get(`${exchange} ${symbol} ${timeframe}`) ?? [];
  }

  /**
   * What a consumer must have received: every closed candle of the data from the first one it got
   * through the last one closed at the clock's time, exactly as the exchange recorded it.
   */
  expected(exchange: FakeExchangeId, symbol: string, timeframe: Timeframe, from: number): Candle[] {
    const interval = timeframeToMs(timeframe);
    const now = this.clock.now();
    return (this.dataset.get(exchange, symbol, timeframe) ?? []).filter(
      (candle) => candle.timestamp >= from && candle.timestamp + interval <= now,
    );
  }

  /** Streams: emits what the fake's streams owe up to the clock's time. */
  async pump(): Promise<void> {
    await this.server.pumpStreams();
  }

  /** Until every data kind of the exchange streams, moving the clock a second at a time. */
  async untilStreaming(exchange: FakeExchangeId): Promise<void> {
    await eventually(async () => {
      this.clock.advance(1_000);
      await this.pump();
      await this.feed(exchange).tick();
      const { kinds } = this.feed(exchange).status().streams;
      return Object.values(kinds).every((state) => state === 'streaming');
    }, `${exchange} streams live`);
  }

  /**
   * Streams `count` minutes: each minute the clock moves, the fake sends what it owes, every candle
   * stream catches up with the last closed candle, and the feed's tasks run. While the candle
   * stream is live, its closes are awaited as they arrive (time stands still, so no poll falls
   * due for a close already on the wire); `waitForStream: false` moves time on instead, for a
   * stream that is silent without knowing it yet.
   */
  async streamMinutes(
    count: number,
    exchange: FakeExchangeId,
    options: { waitForStream?: boolean } = {},
  ): Promise<void> {
    for (let step = 0; step < count; step++) {
      this.clock.advance(60_000);
      await this.pump();
      await this.caughtUp(exchange, options);
      await this.feed(exchange).tick();
    }
  }

  /** Until every candle stream of the exchange has published through its last closed candle. */
  async caughtUp(
    exchange: FakeExchangeId,
    { waitForStream = true }: { waitForStream?: boolean } = {},
  ): Promise<void> {
    await eventually(async () => {
      const feed = this.feed(exchange);
      const status = feed.status();
      const behind = status.markets.filter(
        (market) =>
          market.lastCandle !== this.expected(exchange, market.symbol, market.timeframe, 0).at(-1)?.timestamp,
      );
      if (behind.length === 0) return true;
      if (waitForStream && status.streams.kinds.candles === 'streaming') return false;
      // Time passes while we wait, as it would: a stream delivers its next frames, a poll falls due.
      this.clock.advance(1_000);
      await this.pump();
      await feed.tick();
      return false;
    }, `${exchange} candle streams caught up`);
  }

  async stop(): Promise<void> {
    await Promise.allSettled(this.feeds.map((feed) => feed.stop()));
    await Promise.allSettled(this.#clients.map((client) => client.close()));
    await this.server.stop();
  }

  #subscribe(): void {
    this.bus.subscribe(MarketEventName.CandleClosed, (event) => {
      const key = `${event.exchange} ${event.symbol} ${event.timeframe}`;
      const list = this.received.get(key) ?? [];
      const { timestamp, open, high, low, close, volume } = event.candle;
      list.push({ timestamp, open, high, low, close, volume });
      this.received.set(key, list);
    });
    this.bus.subscribe(MarketEventName.OrderBookSnapshot, (event) => {
      this.books.set(`${event.exchange} ${event.symbol}`, {
        sequence: event.sequence ?? null,
        bids: event.bids.map(({ price, size }) => [price, size]),
        asks: event.asks.map(({ price, size }) => [price, size]),
      });
    });
    this.bus.subscribe(MarketEventName.TradesBatch, (event) => {
      const key = `${event.exchange} ${event.symbol}`;
      const list = this.trades.get(key) ?? [];
      list.push(
        ...event.trades.map(({ timestamp, price, size, side }) => ({ timestamp, price, size, side })),
      );
      this.trades.set(key, list);
    });
    for (const name of [
      MarketEventName.OrderBookSnapshot,
      MarketEventName.TradesBatch,
      MarketEventName.DerivativesSnapshot,
    ]) {
      this.bus.subscribe(name, (event) => {
        this.events.push({ name, exchange: event.exchange, symbol: event.symbol });
      });
    }
  }
}
