import { performance } from 'node:perf_hooks';
import { setTimeout as delay } from 'node:timers/promises';
import type { ConfluenceConfig } from '@app/config';
import {
  createCcxtMarketClient,
  ExchangeFeed,
  ExchangeGate,
  type ExchangeSettings,
  type MarketClient,
} from '@app/market';
// By path: the testing index would load the whole test kit (Nest, the fake OpenAI, …).
import { FakeExchangeServer } from '../libs/testing/src/fake-exchange/index.js';
import { ManualClock } from '../libs/testing/src/manual-clock.js';
import { prng } from '../libs/testing/src/prng.js';
import type { AnalysisSide } from './stream-analysis.js';
import type { BenchMarkets } from './stream-data.js';
import type { CloseProbe } from './stream-probe.js';

/**
 * The stream path under test: the loopback fake Binance streaming every market's 1m klines,
 * trades and book, and the real market-data side reading them — CcxtMarketClient (ccxt pro),
 * ExchangeFeed with `transport: websocket` — publishing on the analysis side's bus. One virtual
 * clock (ManualClock) for the fake and the feed; ccxt's own keepalive timers are real.
 */

export interface StreamRigOptions {
  readonly config: ConfluenceConfig;
  readonly data: BenchMarkets;
  /** Virtual time at start. */
  readonly start: number;
  readonly warmupCandles: number;
  readonly analysis: AnalysisSide;
  readonly probe: CloseProbe;
  /** Per market id, how late its kline stream runs (the paced regime's spread of closes). */
  readonly klineDelayMs?: (marketId: string) => number;
}

/** Frames the fake wrote and what writing them cost (its share of the process). */
export interface PumpStats {
  pumps: number;
  frames: number;
  /** ms from a pump's start to its last frame handed to a socket, summed (the fake's own CPU). */
  writeMs: number;
  maxWriteMs: number;
}

/**
 * Binance's cadence on the fake: a book diff per market every 100 ms (`@depth@100ms`), the forming
 * kline every 2 s, each market at its own phase, so frames spread over time as a live socket's do.
 */
const STREAM_CADENCE = { bookStepMs: 100, klineUpdateMs: 2_000 } as const;

/**
 * Binance as exchanges.yaml has it (stream settings, book depth, polling), on the fake, for the
 * bench's symbols at 1m. Candle polls only every hour: the first poll backfills the warm-up, and
 * the paced regime's closes come up to a minute late on purpose, which the feed would otherwise
 * fetch by REST 5 s after the candle ends (its grace for a lost close).
 */
function exchangeSettings(
  config: ConfluenceConfig,
  server: FakeExchangeServer,
  symbols: readonly string[],
): ExchangeSettings {
  const binance = config.exchanges.exchanges.find((exchange) => exchange.id === 'binance');
  if (binance === undefined) throw new Error('exchanges.yaml has no binance entry');
  const { orderBook } = binance.data;
  const { orderBookMs, tradesMs, derivativesMs } = binance.polling;
  return {
    id: 'binance',
    enabled: true,
    symbols,
    timeframes: ['1m'],
    data: {
      candles: true,
      orderBook: { enabled: true, depth: orderBook.depth, record: [] },
      trades: true,
      fundingRate: false,
      openInterest: false,
      longShortRatio: false,
    },
    polling: { candlesMs: 3_600_000, orderBookMs, tradesMs, derivativesMs },
    transport: 'websocket',
    stream: binance.stream,
    wsUrls: server.binanceWsUrls(),
    apiUrls: server.binanceApiUrls(),
    sandbox: false,
    requestTimeoutMs: binance.requestTimeoutMs,
  };
}

export class StreamRig {
  readonly stats: PumpStats = { pumps: 0, frames: 0, writeMs: 0, maxWriteMs: 0 };
  /** performance.now() at each pump's start and when its last frame was handed to a socket. */
  readonly #pumps: { start: number; written: number }[] = [];

  private constructor(
    readonly clock: ManualClock,
    private readonly server: FakeExchangeServer,
    private readonly client: MarketClient,
    readonly feed: ExchangeFeed,
  ) {}

  /** Fake, client and feed started; the first tick has backfilled every market's warm-up. */
  static async start(options: StreamRigOptions): Promise<StreamRig> {
    const { config, data, analysis, probe } = options;
    const clock = new ManualClock(options.start);
    const server = await FakeExchangeServer.start({
      now: () => clock.now(),
      dataset: data.dataset,
      markets: data.markets,
      streams: {
        ...STREAM_CADENCE,
        ...(options.klineDelayMs === undefined ? {} : { klineDelayMs: options.klineDelayMs }),
        onCloseSent: (close) => {
          if (close.venue === 'spot' && close.timeframe === '1m') probe.sent(close.symbol, close.candleTime);
        },
      },
    });
    const settings = exchangeSettings(
      config,
      server,
      data.markets.map((market) => market.spotSymbol),
    );
    // ccxt's pacing off: the fake has no rate limit, and 200 warm-up backfills would wait on it.
    const client = await createCcxtMarketClient({ config: settings, clock, rateLimitMs: 1 });
    const random = prng(42);
    const { exchanges } = config;
    const gate = new ExchangeGate({
      exchange: 'binance',
      retry: exchanges.retry,
      breaker: {
        failureThreshold: 5,
        openMs: exchanges.breaker.openMs,
        maxOpenMs: exchanges.breaker.maxOpenMs,
      },
      clock,
      random,
      logger: analysis.logger,
    });
    const feed = new ExchangeFeed({
      config: settings,
      client,
      gate,
      bus: analysis.bus,
      clock,
      logger: analysis.logger,
      warmupCandles: options.warmupCandles,
      resumeMaxCandles: exchanges.resume.maxCandles,
      gaps: exchanges.gaps,
      random,
    });
    const rig = new StreamRig(clock, server, client, feed);
    if (!(await feed.start())) throw new Error('the feed did not start');
    await feed.tick();
    return rig;
  }

  /** Moves the clock a second at a time (pump, tick) until candles, trades and books all stream. */
  async untilStreaming(timeoutMs: number): Promise<void> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const { kinds } = this.feed.status().streams;
      if (Object.values(kinds).every((state) => state === 'streaming')) return;
      if (performance.now() > deadline)
        throw new Error(`streams not live after ${timeoutMs} ms: ${JSON.stringify(kinds)}`);
      await this.pumpAt(this.clock.now() + 1_000);
      await this.feed.tick();
      await delay(5);
    }
  }

  /** Sets the clock and has the fake write what fell due; resolves once it is handed to the sockets. */
  async pumpAt(time: number): Promise<number> {
    this.clock.set(time);
    const start = performance.now();
    // The pump writes every frame before its first await; then it waits for the sockets.
    const pending = this.server.pumpStreams();
    const written = performance.now();
    this.#pumps.push({ start, written });
    const frames = await pending;
    const ms = written - start;
    this.stats.pumps++;
    this.stats.frames += frames;
    this.stats.writeMs += ms;
    this.stats.maxWriteMs = Math.max(this.stats.maxWriteMs, ms);
    return frames;
  }

  /**
   * ms the fake went on writing after a frame it wrote at `sentAt` (the rest of that pump): time
   * a remote exchange would not take from this process, yet inside the measured latency here.
   */
  writingAfter(sentAt: number): number {
    let lo = 0;
    let hi = this.#pumps.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.#pumps[mid] as { start: number }).start <= sentAt) lo = mid + 1;
      else hi = mid;
    }
    const pump = this.#pumps[lo - 1];
    return pump === undefined || sentAt > pump.written ? Number.NaN : pump.written - sentAt;
  }

  /**
   * The live stream: the virtual clock follows the wall clock 1:1 from `from`, the fake writes what
   * fell due every `everyMs` and the feed runs its due tasks after each write, until `until`.
   */
  async realtime(from: number, until: number, everyMs: number): Promise<void> {
    const wall0 = performance.now();
    for (;;) {
      const started = performance.now();
      const virtual = Math.floor(from + started - wall0);
      if (virtual > until) return;
      await this.pumpAt(Math.max(virtual, this.clock.now()));
      await this.tick();
      // Always through the timers phase, so the sockets are read between two pumps.
      await delay(Math.max(0, everyMs - (performance.now() - started)));
    }
  }

  /** REST requests the fake answered so far, per `exchange:endpoint`. */
  requests(): Record<string, number> {
    return this.server.counters();
  }

  /** Runs the feed's due tasks: flushes streamed trades and books onto the bus, the watchdog. */
  tick(): Promise<void> {
    return this.feed.tick();
  }

  /**
   * Moves the clock to `until` a second at a time, the fake writing and the feed ticking at each
   * step, as fast as the process goes (nothing measured here).
   */
  async fastForward(until: number): Promise<void> {
    while (this.clock.now() + 1_000 <= until) {
      await this.pumpAt(this.clock.now() + 1_000);
      await this.tick();
      await delay(1);
    }
    if (this.clock.now() < until) await this.pumpAt(until);
  }

  /** Feed, client (every ccxt instance and its timers) and fake closed. */
  async stop(): Promise<void> {
    await this.feed.stop();
    await this.client.close();
    await this.server.stop();
  }
}
