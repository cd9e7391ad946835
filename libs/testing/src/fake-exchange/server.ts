import { type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { listenOnLoopback } from '../http.js';
import { BINANCE_SPOT_HOST, BINANCE_USDM_HOST, binanceNotFound, binanceRoutes } from './binance-routes.js';
import { BINANCE_FSTREAM_HOST, BINANCE_STREAM_HOST } from './binance-stream.js';
import { BookRegistry } from './book-model.js';
import { BYBIT_HOST, bybitNotFound, bybitRoutes } from './bybit-routes.js';
import { defaultFakeDataset, type FakeDataset } from './candles.js';
import { FaultBook, faultAnswer, malform } from './faults.js';
import { FAKE_MARKETS, type FakeMarket } from './fixtures.js';
import { StreamHub } from './stream-server.js';
import type {
  FakeBook,
  StreamConnectionInfo,
  StreamFaultOptions,
  StreamFaultSpec,
  StreamLogEntry,
  StreamOptions,
} from './stream-types.js';
import type {
  FakeEndpoint,
  FakeExchangeId,
  FaultOptions,
  FaultSpec,
  RequestLogEntry,
  Route,
  RouteContext,
} from './types.js';

/** Keys of ccxt binance's `urls.api` (4.5.84 describe()); every one is pointed at the fake. */
export const BINANCE_API_KEYS = [
  'sapi',
  'sapiV2',
  'sapiV3',
  'sapiV4',
  'dapiPublic',
  'dapiPrivate',
  'eapiPublic',
  'eapiPrivate',
  'dapiPrivateV2',
  'dapiData',
  'fapiPublic',
  'fapiPublicV2',
  'fapiPublicV3',
  'fapiPrivate',
  'fapiPrivateV2',
  'fapiPrivateV3',
  'fapiData',
  'public',
  'private',
  'v1',
  'papi',
  'papiV2',
] as const;
export type BinanceApiKey = (typeof BINANCE_API_KEYS)[number];

/** Keys of ccxt bybit's `urls.api` (all `https://api.{hostname}`). */
export const BYBIT_API_KEYS = ['spot', 'futures', 'v2', 'public', 'private'] as const;
export type BybitApiKey = (typeof BYBIT_API_KEYS)[number];

export interface FakeExchangeServerOptions {
  /** The test's clock (ms). The server has none of its own. */
  readonly now: () => number;
  /** Candles served; default `defaultFakeDataset()`. */
  readonly dataset?: FakeDataset;
  /** Tuning of the WebSocket streams (book depth, trade rate). */
  readonly streams?: StreamOptions;
  /** Markets listed and served (default `FAKE_MARKETS`; add `syntheticMarkets(n)` for load tests). */
  readonly markets?: readonly FakeMarket[];
}

interface Target {
  readonly exchange: FakeExchangeId;
  readonly host: string;
  readonly path: string;
}

/**
 * A loopback HTTP server speaking Binance (spot api/v3, USDⓈ-M fapi) and Bybit v5 public REST,
 * for the real ccxt pointed at it through `urls.api`. Binance lives under
 * `/binance/<real host>/<real path>`, Bybit under `/bybit/<real path>`.
 */
export class FakeExchangeServer {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  private readonly routes: readonly Route[];
  private readonly faults = new FaultBook();
  private readonly down: Record<FakeExchangeId, boolean> = { binance: false, bybit: false };
  private readonly log: RequestLogEntry[] = [];
  private readonly hung = new Set<ServerResponse>();
  private readonly streams: StreamHub;
  private stopped = false;

  private constructor(
    private readonly server: Server,
    private readonly now: () => number,
    dataset: FakeDataset,
    streams: StreamOptions,
    private readonly markets: readonly FakeMarket[],
  ) {
    const { port } = server.address() as AddressInfo;
    this.url = `http://127.0.0.1:${port}`;
    const books = new BookRegistry(dataset, streams.bookLevels ?? 50);
    this.routes = [...binanceRoutes(dataset, books), ...bybitRoutes(dataset, books)];
    this.streams = new StreamHub({
      now,
      dataset,
      books,
      options: streams,
      markets,
      isDown: (exchange) => this.down[exchange],
    });
  }

  static async start(options: FakeExchangeServerOptions): Promise<FakeExchangeServer> {
    const server = await listenOnLoopback();
    const dataset = options.dataset ?? defaultFakeDataset();
    const markets = options.markets ?? FAKE_MARKETS;
    const fake = new FakeExchangeServer(server, options.now, dataset, options.streams ?? {}, markets);
    server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      fake.handle(req, res);
    });
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      fake.streams.upgrade(req, socket, head);
    });
    return fake;
  }

  // ---- WebSocket streams (see stream-server.ts) ----

  /**
   * ccxt binance `urls.api.ws.spot` / `.future`. Spot contains `/stream` (ccxt's isSpotUrl), the
   * futures URL ends in `/ws`, which ccxt rewrites to `/public/ws` or `/market/ws` per channel.
   */
  binanceWsUrls(): { spot: string; future: string } {
    const base = this.url.replace('http://', 'ws://');
    return {
      spot: `${base}/binance/${BINANCE_STREAM_HOST}/ws`,
      future: `${base}/binance/${BINANCE_FSTREAM_HOST}/ws`,
    };
  }

  /** ccxt bybit `urls.api.ws.public.spot` / `.linear` (ccxt tells spot by `spot` in the URL). */
  bybitWsUrls(): { public: { spot: string; linear: string } } {
    const base = `${this.url.replace('http://', 'ws://')}/bybit/v5/public`;
    return { public: { spot: `${base}/spot`, linear: `${base}/linear` } };
  }

  /** Emits every stream frame due between the last pump and `now()`; resolves with the frame count. */
  pumpStreams(): Promise<number> {
    return this.streams.pump();
  }

  /** The fake's book for a symbol (`BTC/USDT` spot, `BTC/USDT:USDT` perpetual), once a depth stream made one. */
  book(exchange: FakeExchangeId, symbol: string): FakeBook | undefined {
    return this.streams.book(exchange, symbol);
  }

  streamFault(exchange: FakeExchangeId, spec: StreamFaultSpec, options?: StreamFaultOptions): void {
    this.streams.fault(exchange, spec, options);
  }

  clearStreamFaults(exchange?: FakeExchangeId): void {
    this.streams.clearFaults(exchange);
  }

  pendingStreamFaults(exchange: FakeExchangeId): number {
    return this.streams.pendingFaults(exchange);
  }

  /** Sends a WebSocket ping frame on every open socket of the exchange (Binance does every 3 min). */
  pingStreams(exchange: FakeExchangeId): void {
    this.streams.ping(exchange);
  }

  /** WebSocket pong frames received in answer to the fake's pings. */
  pongsReceived(exchange: FakeExchangeId): number {
    return this.streams.pongsReceived(exchange);
  }

  /** Every message clients sent on stream sockets, in arrival order. */
  get streamLog(): readonly StreamLogEntry[] {
    return this.streams.streamLog;
  }

  /** The exchange's open stream sockets with their topics. */
  connections(exchange: FakeExchangeId): StreamConnectionInfo[] {
    return this.streams.connections(exchange);
  }

  /** The full ccxt binance `urls.api` dict, every entry on this server. */
  binanceApiUrls(): Record<BinanceApiKey, string> {
    const host = (name: string): string => `${this.url}/binance/${name}`;
    const spot = host(BINANCE_SPOT_HOST);
    const usdm = host(BINANCE_USDM_HOST);
    const coinm = host('dapi.binance.com');
    const options = host('eapi.binance.com');
    const pm = host('papi.binance.com');
    return {
      sapi: `${spot}/sapi/v1`,
      sapiV2: `${spot}/sapi/v2`,
      sapiV3: `${spot}/sapi/v3`,
      sapiV4: `${spot}/sapi/v4`,
      dapiPublic: `${coinm}/dapi/v1`,
      dapiPrivate: `${coinm}/dapi/v1`,
      eapiPublic: `${options}/eapi/v1`,
      eapiPrivate: `${options}/eapi/v1`,
      dapiPrivateV2: `${coinm}/dapi/v2`,
      dapiData: `${coinm}/futures/data`,
      fapiPublic: `${usdm}/fapi/v1`,
      fapiPublicV2: `${usdm}/fapi/v2`,
      fapiPublicV3: `${usdm}/fapi/v3`,
      fapiPrivate: `${usdm}/fapi/v1`,
      fapiPrivateV2: `${usdm}/fapi/v2`,
      fapiPrivateV3: `${usdm}/fapi/v3`,
      fapiData: `${usdm}/futures/data`,
      public: `${spot}/api/v3`,
      private: `${spot}/api/v3`,
      v1: `${spot}/api/v1`,
      papi: `${pm}/papi/v1`,
      papiV2: `${pm}/papi/v2`,
    };
  }

  /** The full ccxt bybit `urls.api` dict (ccxt appends `/v5/...` to each). */
  bybitApiUrls(): Record<BybitApiKey, string> {
    const base = `${this.url}/bybit`;
    return { spot: base, futures: base, v2: base, public: base, private: base };
  }

  /** Programs a fault; see `FaultSpec` and `FaultOptions` (default: every route, persistent). */
  fault(exchange: FakeExchangeId, spec: FaultSpec, options?: FaultOptions): void {
    this.faults.add(exchange, spec, options);
  }

  clearFaults(exchange?: FakeExchangeId): void {
    this.faults.clear(exchange);
  }

  /** Faults still queued (persistent ones count until cleared). */
  pendingFaults(exchange: FakeExchangeId): number {
    return this.faults.pending(exchange);
  }

  /** While down, every request to the exchange has its connection reset without an answer. */
  setDown(exchange: FakeExchangeId, down: boolean): void {
    this.down[exchange] = down;
  }

  get requests(): readonly RequestLogEntry[] {
    return [...this.log];
  }

  /** Requests to paths the fake does not serve (tests assert this stays empty). */
  unknownRequests(): RequestLogEntry[] {
    return this.log.filter((r) => r.endpoint === 'unknown');
  }

  /** How many requests reached an exchange (optionally one endpoint) since the last `clearRequests()`. */
  count(exchange: FakeExchangeId, endpoint?: FakeEndpoint): number {
    return this.log.filter(
      (r) => r.exchange === exchange && (endpoint === undefined || r.endpoint === endpoint),
    ).length;
  }

  /** Per `exchange:endpoint` request counts. */
  counters(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const r of this.log) {
      const key = `${r.exchange ?? 'none'}:${r.endpoint}`;
      out[key] = (out[key] ?? 0) + 1;
    }
    return out;
  }

  clearRequests(): void {
    this.log.length = 0;
  }

  /** Closes every connection, hanging ones included, then the listener. Idempotent. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await this.streams.close();
    for (const res of this.hung) res.destroy();
    this.hung.clear();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => {
      this.server.close(() => {
        resolve();
      });
    });
  }

  private target(pathname: string): Target | undefined {
    const segments = pathname.split('/');
    if (segments[1] === 'binance' && segments.length > 3) {
      return { exchange: 'binance', host: segments[2] as string, path: `/${segments.slice(3).join('/')}` };
    }
    if (segments[1] === 'bybit')
      return { exchange: 'bybit', host: BYBIT_HOST, path: `/${segments.slice(2).join('/')}` };
    return undefined;
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://fake.invalid');
    const query = Object.fromEntries(url.searchParams);
    const target = this.target(url.pathname);
    if (target === undefined) {
      this.record({
        exchange: null,
        endpoint: 'unknown',
        host: '',
        path: url.pathname,
        query,
        status: 404,
        fault: null,
      });
      send(res, 404, { 'Content-Type': 'text/plain' }, 'not an exchange path');
      return;
    }
    const { exchange, host, path } = target;
    const entry = { exchange, host, path, query };
    const route =
      req.method === 'GET' ? this.routes.find((r) => r.host === host && r.path === path) : undefined;
    if (this.down[exchange]) {
      this.record({ ...entry, endpoint: route?.endpoint ?? 'unknown', status: 'reset', fault: null });
      req.socket.destroy();
      return;
    }
    const now = this.now();
    // Node would stamp the wall clock; the fake's only clock is the test's.
    res.setHeader('Date', new Date(now).toUTCString());
    if (route === undefined) {
      const answer = exchange === 'binance' ? binanceNotFound(path) : bybitNotFound(now);
      this.record({ ...entry, endpoint: 'unknown', status: answer.status, fault: null });
      send(res, answer.status, JSON_HEADERS, JSON.stringify(answer.body));
      return;
    }
    const native = path.slice(path.lastIndexOf('/') + 1);
    const fault = this.faults.take(exchange, { endpoint: route.endpoint, native, path });
    const logged = { ...entry, endpoint: route.endpoint, fault: fault?.kind ?? null };
    if (fault?.kind === 'hang') {
      this.record({ ...logged, status: 'hang' });
      this.hung.add(res);
      res.on('close', () => this.hung.delete(res));
      return;
    }
    if (fault?.kind === 'reset') {
      this.record({ ...logged, status: 'reset' });
      req.socket.destroy();
      return;
    }
    const replaced = fault === undefined ? undefined : faultAnswer(exchange, fault, now);
    if (replaced !== undefined) {
      this.record({ ...logged, status: replaced.status });
      send(res, replaced.status, replaced.headers, replaced.body);
      return;
    }
    const ctx: RouteContext = {
      exchange,
      now: fault?.kind === 'stale' ? now - fault.lagMs : now,
      query,
      path,
      shuffle:
        fault?.kind === 'shuffle' ? { seed: fault.seed ?? now, duplicates: fault.duplicates ?? 3 } : null,
      omit: fault?.kind === 'omitCandles' ? { from: fault.from, to: fault.to } : null,
      markets: this.markets,
    };
    const answer = route.handle(ctx);
    const body =
      fault?.kind === 'malformed'
        ? malform(exchange, answer.body, fault.malformation)
        : JSON.stringify(answer.body);
    this.record({ ...logged, status: answer.status });
    send(res, answer.status, { ...JSON_HEADERS, ...answer.headers }, body);
  }

  private record(entry: RequestLogEntry): void {
    this.log.push(entry);
  }
}

const JSON_HEADERS = { 'Content-Type': 'application/json;charset=UTF-8' };

function send(
  res: ServerResponse,
  status: number,
  headers: Readonly<Record<string, string>>,
  body: string,
): void {
  res.writeHead(status, { ...headers, 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}
