import ccxt, { BaseError, ChecksumError, type Exchange, ExchangeClosedByUser, NetworkError } from 'ccxt';
import { type Timeframe, errorMessage } from '@app/contracts';
import { type BookData, checkOhlcv, checkOrderBook, checkTrades } from '../exchange/response-validation.js';
import { frameReaderFor, type FrameReader } from './frame-reader.js';
import type {
  BookUpdate,
  CandleUpdate,
  StreamConnection,
  StreamConnectionOptions,
  StreamConnector,
  StreamKind,
  TradeUpdate,
} from './stream-types.js';

/** How a watch failed, in our terms (the lane decides what each means). */
export type StreamFaultKind =
  /** The local book broke its sequence (ccxt's ChecksumError): watch again to resync. */
  | 'bookResync'
  /** The connection dropped or timed out. */
  | 'disconnected'
  /** We closed it. */
  | 'closed'
  /** The exchange answered with an error: a refused subscription, a bad symbol. */
  | 'refused'
  /** Our checks refused what ccxt parsed (a crossed book, say): that update is dropped. */
  | 'invalid';

export class StreamFault extends Error {
  constructor(
    readonly kind: StreamFaultKind,
    message: string,
    options?: { cause: unknown },
  ) {
    super(message, options);
    this.name = 'StreamFault';
  }
}

/** ccxt's error hierarchy nests ChecksumError under NetworkError, so it is asked first. */
export function streamFault(error: unknown): StreamFault {
  if (error instanceof StreamFault) return error;
  const message = errorMessage(error);
  if (error instanceof ChecksumError) return new StreamFault('bookResync', message, { cause: error });
  if (error instanceof ExchangeClosedByUser) return new StreamFault('closed', message, { cause: error });
  if (error instanceof NetworkError) return new StreamFault('disconnected', message, { cause: error });
  if (error instanceof BaseError) return new StreamFault('refused', message, { cause: error });
  return new StreamFault('invalid', message, { cause: error });
}

type ProConstructor = new (config: Record<string, unknown>) => Exchange;

export interface CcxtStreamOptions {
  /** The REST instance whose loaded markets each session shares (no loadMarkets per connection). */
  readonly rest: Exchange;
  /** What the REST instance was built with (rate limit, timeout, URL overrides, options). */
  readonly settings: Readonly<Record<string, unknown>>;
  readonly restUrls: Readonly<Record<string, unknown>>;
  /** Overrides merged over ccxt's `urls.api.ws` (nested keys merge). */
  readonly wsUrls?: Readonly<Record<string, unknown>>;
  readonly spotTimeframes: readonly Timeframe[];
  /** The feed's clock: a book without the exchange's time is stamped with it. */
  readonly now: () => number;
}

/** Depths each exchange's book stream accepts; the smallest covering `depth` is asked for. */
const STREAM_DEPTHS: Readonly<Record<string, readonly number[]>> = {
  binance: [5, 10, 20, 50, 100, 500, 1000, 5000],
  bybit: [1, 50, 200, 1000],
};

function streamDepth(exchange: string, depth: number): number {
  const allowed = STREAM_DEPTHS[exchange];
  if (allowed === undefined) return depth;
  return allowed.find((candidate) => candidate >= depth) ?? allowed[allowed.length - 1] ?? depth;
}

/** ccxt pro's class for the exchange, when it has one. */
function proClass(id: string): ProConstructor | null {
  const candidate: unknown = (ccxt.pro as unknown as Record<string, unknown>)[id];
  return typeof candidate === 'function' ? (candidate as ProConstructor) : null;
}

function merge(base: unknown, over: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const result: Record<string, unknown> = typeof base === 'object' && base !== null ? { ...base } : {};
  for (const [key, value] of Object.entries(over))
    result[key] =
      typeof value === 'object' && value !== null && !Array.isArray(value)
        ? merge(result[key], value as Record<string, unknown>)
        : value;
  return result;
}

function anyPlainWs(urls: unknown): boolean {
  if (typeof urls === 'string') return urls.startsWith('ws://');
  if (typeof urls !== 'object' || urls === null) return false;
  return Object.values(urls).some(anyPlainWs);
}

/**
 * ccxt pro sessions for one exchange. Each `open` builds a new pro instance (its sockets, its
 * subscriptions, its books), sharing the REST instance's markets: a session that misbehaves is
 * thrown away whole and a fresh one subscribes again.
 */
export class CcxtStreamConnector implements StreamConnector {
  readonly supported: readonly StreamKind[];
  readonly #construct: ProConstructor | null;

  constructor(private readonly options: CcxtStreamOptions) {
    const construct = proClass(options.rest.id);
    this.#construct = construct;
    const has = construct === null ? {} : (new construct({}).has as Record<string, unknown>);
    const kinds: StreamKind[] = [];
    if (has.watchOHLCVForSymbols === true) kinds.push('candles');
    if (has.watchTradesForSymbols === true) kinds.push('trades');
    if (has.watchOrderBookForSymbols === true) kinds.push('orderBook');
    this.supported = kinds;
  }

  async open(session: StreamConnectionOptions): Promise<StreamConnection> {
    const construct = this.#construct;
    if (construct === null) throw new StreamFault('refused', `ccxt pro has no ${this.options.rest.id}`);
    const { rest, settings, restUrls, wsUrls } = this.options;
    const exchange = new construct({ ...settings });
    // ccxt prints a frame it cannot parse to stdout, around our log format; the frame reader
    // counts and logs it instead.
    exchange.log = (): void => undefined;
    exchange.urls.api = merge(exchange.urls.api, {
      ...restUrls,
      ...(wsUrls === undefined ? {} : { ws: wsUrls }),
    });
    // ccxt refuses plain ws:// (a loopback fake, a local proxy) until its proxy agents are loaded.
    if (anyPlainWs(exchange.urls.api)) await exchange.loadHttpProxyAgent();
    // Typed as taking no currencies in ccxt's declarations, though the implementation accepts them.
    (exchange.setMarkets as (markets: unknown, currencies: unknown) => void)(rest.markets, rest.currencies);
    const reader = frameReaderFor(rest.id, {
      symbols: spotIds(rest),
      timeframes: intervals(exchange, this.options.spotTimeframes),
      events: session.events,
    });
    return new CcxtStreamConnection(exchange, reader, session, this.options.now);
  }
}

/** Market id → symbol for spot markets (ids like BTCUSDT are shared with the perpetual). */
function spotIds(exchange: Exchange): Map<string, string> {
  const ids = new Map<string, string>();
  const markets = (exchange.markets ?? {}) as Readonly<
    Record<string, { spot?: unknown; id?: unknown; symbol?: unknown } | undefined>
  >;
  for (const market of Object.values(markets))
    if (market?.spot === true && typeof market.id === 'string' && typeof market.symbol === 'string')
      ids.set(market.id, market.symbol);
  return ids;
}

function intervals(exchange: Exchange, timeframes: readonly Timeframe[]): Map<string, Timeframe> {
  const names = exchange.timeframes as Record<string, unknown> | undefined;
  const map = new Map<string, Timeframe>();
  for (const timeframe of timeframes) {
    const name = names?.[timeframe];
    map.set(typeof name === 'string' ? name : timeframe, timeframe);
  }
  return map;
}

type Tapped = Exchange & { handleMessage(client: unknown, message: unknown): void };

class CcxtStreamConnection implements StreamConnection {
  readonly flagsClosedCandles: boolean;

  constructor(
    private readonly exchange: Exchange,
    reader: FrameReader | null,
    session: StreamConnectionOptions,
    private readonly now: () => number,
  ) {
    this.flagsClosedCandles = reader !== null;
    const tapped = exchange as Tapped;
    const handle = tapped.handleMessage.bind(exchange);
    tapped.handleMessage = (client: unknown, message: unknown): void => {
      if (reader !== null) reader.read(message);
      else if (typeof message === 'string') session.events.malformed(`not JSON: ${message.slice(0, 80)}`);
      else session.events.data();
      handle(client, message);
    };
  }

  async watchCandles(pairs: readonly (readonly [string, Timeframe])[]): Promise<CandleUpdate> {
    const update: unknown = await this.#call(() =>
      this.exchange.watchOHLCVForSymbols(pairs.map(([symbol, timeframe]) => [symbol, timeframe])),
    );
    for (const [symbol, byTimeframe] of Object.entries(update as Record<string, Record<string, unknown>>))
      for (const [timeframe, rows] of Object.entries(byTimeframe)) {
        const checked = checkOhlcv(rows, timeframe as Timeframe);
        return {
          symbol,
          timeframe: timeframe as Timeframe,
          candles: checked.items,
          dropped: checked.dropped,
        };
      }
    return { symbol: '', timeframe: '1m', candles: [], dropped: ['empty update'] };
  }

  async watchTrades(symbols: readonly string[]): Promise<TradeUpdate> {
    const trades: unknown = await this.#call(() => this.exchange.watchTradesForSymbols([...symbols]));
    const first: unknown = Array.isArray(trades) ? trades[0] : undefined;
    const symbol =
      typeof first === 'object' && first !== null ? (first as { symbol?: unknown }).symbol : undefined;
    const checked = checkTrades(trades);
    return {
      symbol: typeof symbol === 'string' ? symbol : '',
      trades: checked.items,
      dropped: checked.dropped,
    };
  }

  async watchOrderBook(symbols: readonly string[], depth: number): Promise<BookUpdate> {
    const limit = streamDepth(this.exchange.id, depth);
    await this.#call(() => this.exchange.watchOrderBookForSymbols([...symbols], limit));
    return { books: symbols };
  }

  orderBook(symbol: string, depth: number): BookData | null {
    const books = this.exchange.orderbooks as Record<string, unknown> | undefined;
    const book = books?.[symbol];
    if (book === undefined) return null;
    // Throws on a crossed book, which the caller counts as malformed.
    return checkOrderBook(book, depth, this.now()).items[0] ?? null;
  }

  async close(): Promise<void> {
    await this.exchange.close();
  }

  async #call<T>(watch: () => Promise<T>): Promise<T> {
    try {
      return await watch();
    } catch (error) {
      throw streamFault(error);
    }
  }
}
