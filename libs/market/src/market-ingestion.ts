import { readFileSync } from 'node:fs';
import { type ExchangeCredentials, type ExchangesConfig, listReplayFiles } from '@app/config';
import { warmupCandlesFor } from '@app/confluence';
import { MarketEventName, errorMessage } from '@app/contracts';
import type { Clock } from './clock.js';
import { CcxtClientFactory, type MarketClient, type MarketClientFactory } from './exchange/market-client.js';
import { type CandleHistory, ExchangeFeed, type ExchangeFeedStatus } from './exchange/exchange-feed.js';
import { ExchangeGate, type ExchangeHealth } from './faults/exchange-gate.js';
import { PersistentPublishBus } from './persistent-publish.js';
import { type ReplayFile, ReplaySource } from './replay-source.js';
import type { LogSink, EventBus } from '@app/contracts';

export interface IngestionSettings {
  readonly exchanges: ExchangesConfig;
  readonly source: 'replay' | 'live';
  /** Failures in a row that open an exchange's circuit (monitoring.yaml health.exchangeDownAfterFailures). */
  readonly downAfterFailures: number;
  readonly credentials: Readonly<Record<string, ExchangeCredentials>>;
  readonly dataDir: string;
  readonly warmupCandles: number;
}

export interface IngestionDeps {
  readonly bus: EventBus;
  readonly clock: Clock;
  readonly logger: LogSink;
  readonly random?: () => number;
  /** Where each live stream resumes after a restart (market-data: the candle store). */
  readonly history?: CandleHistory;
  /** Builds each exchange's client (default: ccxt on `clock`). */
  readonly clients?: MarketClientFactory;
}

export interface ReplayStatus {
  readonly files: readonly string[];
  readonly published: number;
  readonly finished: boolean;
}

export interface MarketDataStatus {
  readonly source: 'replay' | 'live';
  /** Worst of the exchanges: `down` only when every exchange is down. */
  readonly status: ExchangeHealth;
  readonly exchanges: readonly ExchangeFeedStatus[];
  readonly replay: ReplayStatus | null;
}

/** market-data's whole job: replay the bundled candles, or run one feed per enabled exchange. */
export class MarketIngestion {
  readonly #controller = new AbortController();
  readonly #feeds: ExchangeFeed[] = [];
  readonly #clients: MarketClient[] = [];
  readonly #running: Promise<void>[] = [];
  #replay: { files: string[]; published: number; finished: boolean } | null = null;

  constructor(
    private readonly settings: IngestionSettings,
    private readonly deps: IngestionDeps,
  ) {}

  /** Starts publishing; throws at once when the replay files cannot be found. */
  start(): void {
    if (this.settings.source === 'replay') this.#startReplay();
    else this.#startLive();
  }

  async stop(): Promise<void> {
    this.#controller.abort();
    await Promise.allSettled(this.#running);
    await Promise.allSettled(this.#clients.map((client) => client.close()));
  }

  status(): MarketDataStatus {
    const exchanges = this.#feeds.map((feed) => feed.status());
    let status: ExchangeHealth = 'ok';
    if (exchanges.length > 0 && exchanges.every((exchange) => exchange.status === 'down')) status = 'down';
    else if (exchanges.some((exchange) => exchange.status !== 'ok')) status = 'degraded';
    const replay = this.#replay === null ? null : { ...this.#replay, files: [...this.#replay.files] };
    return { source: this.settings.source, status, exchanges, replay };
  }

  #startLive(): void {
    this.#running.push(
      this.#runLive().catch((error: unknown) => {
        this.deps.logger.error(`live ingestion failed: ${errorMessage(error)}`);
      }),
    );
  }

  /** Builds every enabled exchange's client (loading ccxt on the first), then runs their feeds. */
  async #runLive(): Promise<void> {
    const { exchanges, credentials, downAfterFailures, warmupCandles } = this.settings;
    const { clock, logger } = this.deps;
    const random = this.deps.random ?? Math.random;
    const clients = this.deps.clients ?? new CcxtClientFactory(clock);
    const signal = this.#controller.signal;
    const runs: Promise<void>[] = [];
    for (const config of exchanges.exchanges) {
      if (!config.enabled) continue;
      const client = await clients.create(config, credentials[config.id]);
      this.#clients.push(client);
      if (signal.aborted) continue;
      const gate = new ExchangeGate({
        exchange: config.id,
        retry: exchanges.retry,
        breaker: {
          failureThreshold: downAfterFailures,
          openMs: exchanges.breaker.openMs,
          maxOpenMs: exchanges.breaker.maxOpenMs,
        },
        clock,
        random,
        logger,
      });
      const feed = new ExchangeFeed({
        config,
        client,
        gate,
        bus: this.#persistentBus(config.id),
        clock,
        logger,
        warmupCandles,
        resumeMaxCandles: exchanges.resume.maxCandles,
        gaps: exchanges.gaps,
        history: this.deps.history,
      });
      this.#feeds.push(feed);
      runs.push(
        feed.run(signal).catch((error: unknown) => {
          logger.error(`${config.id}: feed stopped: ${errorMessage(error)}`);
        }),
      );
    }
    await Promise.all(runs);
  }

  /** The bus as a feed publishes to it: each publish waits out a bus outage (exchanges.yaml retry). */
  #persistentBus(label: string): PersistentPublishBus {
    const { baseMs, maxMs } = this.settings.exchanges.retry;
    const { clock, logger } = this.deps;
    return new PersistentPublishBus(this.deps.bus, {
      baseMs,
      maxMs,
      sleep: (ms, abort) => clock.sleep(ms, abort),
      signal: this.#controller.signal,
      label,
      logger,
    });
  }

  #startReplay(): void {
    const files = this.#replayFiles();
    const { clock, logger } = this.deps;
    const signal = this.#controller.signal;
    const state = { files: files.map((file) => file.path), published: 0, finished: false };
    this.#replay = state;
    // A replay waits for the bus instead of ending, and skips no candle.
    const persistent = this.#persistentBus('replay');
    const source = new ReplaySource({
      files,
      speed: this.settings.exchanges.replay.speed,
      readFile: (path) => readFileSync(path, 'utf8'),
      now: () => clock.now(),
      sleep: (ms) => clock.sleep(ms, signal),
      warmupCandles: this.settings.warmupCandles,
      publish: async (event) => {
        await persistent.publish(MarketEventName.CandleClosed, event);
        state.published++;
      },
    });
    logger.log(
      `replaying ${files.length} file(s) at ${String(this.settings.exchanges.replay.speed)}× real time ` +
        `after the first ${this.settings.warmupCandles} candles of each at once`,
    );
    this.#running.push(
      source.run(signal).then(
        ({ published }) => {
          state.finished = !signal.aborted;
          logger.log(`replay ${state.finished ? 'finished' : 'stopped'} after ${published} candles`);
        },
        (error: unknown) => {
          logger.error(`replay failed: ${errorMessage(error)}`);
        },
      ),
    );
  }

  #replayFiles(): ReplayFile[] {
    return listReplayFiles(this.settings.dataDir, this.settings.exchanges.replay.files);
  }
}

export { warmupCandlesFor };
