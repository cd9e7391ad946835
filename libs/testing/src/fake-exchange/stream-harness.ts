import { type Exchange, pro } from 'ccxt';
import { eventually } from '../eventually.js';
import { ManualClock } from '../manual-clock.js';
import { alignedFakeDataset, type FakeDataset } from './candles.js';
import type { FakeMarket } from './fixtures.js';
import { FakeExchangeServer } from './server.js';
import type { StreamOptions } from './stream-types.js';
import type { FakeExchangeId } from './types.js';

/** Options a ccxt pro instance needs against the fake (see `connectPro`). */
export interface ProOptions {
  /** `streaming.keepAlive` (ms of real time between client pings); ccxt's default otherwise. */
  readonly keepAliveMs?: number;
  /** Mute ccxt's own logging (it prints every unparseable frame). */
  readonly quiet?: boolean;
}

/** The raw frames a ccxt pro instance handled, as its `handleMessage` saw them. */
export type RawFrames = unknown[];

/**
 * Not exported from the testing index: it loads ccxt. Import it by path.
 *
 * A fake exchange server on a ManualClock plus real ccxt pro instances pointed at it (REST and
 * WebSocket URLs), each with a tap on `handleMessage` recording the raw frames it handled.
 */
export class StreamBench {
  private readonly exchanges: Exchange[] = [];

  private constructor(
    readonly server: FakeExchangeServer,
    readonly clock: ManualClock,
    readonly dataset: FakeDataset,
  ) {}

  static async start(
    start: number,
    dataset = alignedFakeDataset(),
    streams?: StreamOptions,
    markets?: readonly FakeMarket[],
  ): Promise<StreamBench> {
    const clock = new ManualClock(start);
    const server = await FakeExchangeServer.start({ now: () => clock.now(), dataset, streams, markets });
    return new StreamBench(server, clock, dataset);
  }

  /**
   * A ccxt pro instance on the fake: REST `urls.api` and `urls.api.ws` merged, markets of spot and
   * linear only, no rate limiter, ws:// enabled (`loadHttpProxyAgent`), reconnect backoff off
   * (`options.ws.backoff.base: 0`; ccxt waits ~1 s of real time before a re-dial otherwise).
   */
  async connect(id: FakeExchangeId, options: ProOptions = {}): Promise<{ ex: Exchange; raw: RawFrames }> {
    const { server } = this;
    const api =
      id === 'binance'
        ? { ...server.binanceApiUrls(), ws: server.binanceWsUrls() }
        : { ...server.bybitApiUrls(), ws: server.bybitWsUrls() };
    const config = {
      urls: { api },
      options: { fetchMarkets: { types: ['spot', 'linear'] }, ws: { backoff: { base: 0 } } },
      enableRateLimit: false,
      timeout: 10_000,
      ...(options.keepAliveMs === undefined ? {} : { streaming: { keepAlive: options.keepAliveMs } }),
    };
    const ex: Exchange = id === 'binance' ? new pro.binance(config) : new pro.bybit(config);
    await ex.loadHttpProxyAgent();
    if (options.quiet === true) ex.log = (): void => undefined;
    const raw: RawFrames = [];
    const handle = ex.handleMessage.bind(ex);
    ex.handleMessage = (client: unknown, message: unknown): void => {
      raw.push(message);
      handle(client, message);
    };
    this.exchanges.push(ex);
    return { ex, raw };
  }

  /** Waits until some open socket of the exchange carries `topic`. */
  async subscribed(exchange: FakeExchangeId, topic: string): Promise<void> {
    await eventually(
      () => this.server.connections(exchange).some((c) => c.topics.includes(topic)),
      `${exchange} subscribed to ${topic}`,
    );
  }

  /** Moves the clock and pumps the streams; resolves with the frame count. */
  async advance(ms: number): Promise<number> {
    this.clock.advance(ms);
    return this.server.pumpStreams();
  }

  /** Closes every ccxt instance (their keepalive timers would hold Jest open) and the server. */
  async stop(): Promise<void> {
    await Promise.all(this.exchanges.map((ex) => ex.close()));
    await this.server.stop();
  }
}
