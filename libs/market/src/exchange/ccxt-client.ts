import ccxt, { type Exchange } from 'ccxt';
import type { Candle } from '@app/confluence';
import type { Timeframe } from '@app/contracts';
import { retryAfterMs } from '../faults/backoff.js';
import { MalformedResponseError, RateLimitedError } from '../faults/exchange-fault.js';
import { fromCcxtError } from './ccxt-faults.js';
import { CcxtStreamConnector } from '../stream/ccxt-stream.js';
import type { StreamConnector } from '../stream/stream-types.js';
import type { CcxtClientOptions, DerivativesData, DerivativesKinds, MarketClient } from './market-client.js';
import {
  type BookData,
  type Checked,
  checkOhlcv,
  checkOrderBook,
  checkTrades,
  finiteField,
  jsonBodyProblem,
  type TradeData,
} from './response-validation.js';

/**
 * Market types whose listings we load: loading only spot and linear swaps keeps start-up to two
 * requests where ccxt would otherwise load every product line (inverse, options, margin).
 */
const MARKET_TYPE_OPTIONS: Readonly<Record<string, Readonly<Record<string, unknown>>>> = {
  binance: { fetchMarkets: { types: ['spot', 'linear'] } },
  bybit: { fetchMarkets: { types: ['spot', 'linear'] } },
};

type ExchangeConstructor = new (config: Record<string, unknown>) => Exchange;

function exchangeClass(id: string): ExchangeConstructor {
  const candidate: unknown = (ccxt as unknown as Record<string, unknown>)[id];
  if (typeof candidate !== 'function') throw new Error(`ccxt has no exchange "${id}"`);
  return candidate as ExchangeConstructor;
}

/** The real ccxt exchange, with our config, credentials, URL overrides and response checks. */
export class CcxtMarketClient implements MarketClient {
  readonly #exchange: Exchange;
  readonly #settings: Readonly<Record<string, unknown>>;
  #streams: StreamConnector | null | undefined;
  readonly maxCandlesPerRequest: number;

  constructor(private readonly options: CcxtClientOptions) {
    const { config, credentials } = options;
    this.#settings = {
      enableRateLimit: true,
      timeout: config.requestTimeoutMs,
      ...(options.rateLimitMs === undefined ? {} : { rateLimit: options.rateLimitMs }),
      ...(credentials ?? {}),
      options: MARKET_TYPE_OPTIONS[config.id] ?? {},
    };
    const exchange = new (exchangeClass(config.id))({ ...this.#settings });
    if (config.sandbox) exchange.setSandboxMode(true);
    if (config.apiUrls !== undefined) {
      const api: unknown = exchange.urls.api;
      exchange.urls.api = { ...(typeof api === 'object' && api !== null ? api : {}), ...config.apiUrls };
    }
    // ccxt's errors do not carry response headers (and call Binance's 429 DDoSProtection, Bybit's
    // RateLimitExceeded); rate-limit answers become our RateLimitedError here, with the wait
    // the exchange asked for still in hand. A 2xx answer whose body is not JSON (truncated, empty,
    // a proxy's HTML page) is a bad response here too: ccxt would hand its characters on as data.
    const clock = options.clock;
    exchange.onRestResponse = (
      statusCode: number,
      _statusText: string,
      url: string,
      method: string,
      responseHeaders: Record<string, unknown>,
      responseBody: string,
    ): string => {
      if (isRateLimitAnswer(statusCode, responseBody)) {
        const wait = retryAfterMs(responseHeaders, clock.now());
        throw new RateLimitedError(
          `${config.id} ${method} ${url} ${statusCode} ${responseBody.slice(0, 200)}`,
          wait,
        );
      }
      const body = responseBody.trim();
      const answered = statusCode >= 200 && statusCode < 300 && statusCode !== 204;
      const problem = answered ? jsonBodyProblem(body) : null;
      if (problem !== null) throw new MalformedResponseError(`${problem} from ${method} ${url}`);
      return body;
    };
    this.#exchange = exchange;
    this.maxCandlesPerRequest = ohlcvLimit(exchange);
  }

  get id(): string {
    return this.options.config.id;
  }

  async loadMarkets(): Promise<void> {
    await this.#call(() => this.#exchange.loadMarkets(true));
  }

  hasSymbol(symbol: string): boolean {
    return this.#markets()[symbol] !== undefined;
  }

  derivativesSymbol(symbol: string): string | null {
    const markets = this.#markets();
    const market = markets[symbol];
    if (market === undefined) return null;
    if (market.swap === true) return symbol;
    const perpetual = `${market.base}/${market.quote}:${market.quote}`;
    return markets[perpetual] === undefined ? null : perpetual;
  }

  /** ccxt leaves `markets` undefined until loadMarkets has run. */
  #markets(): Readonly<Record<string, { swap?: boolean; base: string; quote: string } | undefined>> {
    const markets: unknown = this.#exchange.markets;
    return (markets ?? {}) as Readonly<
      Record<string, { swap?: boolean; base: string; quote: string } | undefined>
    >;
  }

  async fetchCandles(
    symbol: string,
    timeframe: Timeframe,
    since: number | undefined,
    limit: number,
  ): Promise<Checked<Candle>> {
    const rows: unknown = await this.#call(() => this.#exchange.fetchOHLCV(symbol, timeframe, since, limit));
    const checked = checkOhlcv(rows, timeframe);
    // Every row dropped (mistyped or missing fields): the response holds no data.
    if (checked.items.length === 0 && checked.dropped.length > 0)
      throw new MalformedResponseError(`no valid candle in the response (${checked.dropped.join('; ')})`);
    // A listed market always has at least its forming candle; only history may be empty.
    if (since === undefined && checked.items.length === 0)
      throw new MalformedResponseError('empty candle list');
    return checked;
  }

  async fetchOrderBook(symbol: string, depth: number): Promise<Checked<BookData>> {
    const book: unknown = await this.#call(() =>
      this.#exchange.fetchOrderBook(symbol, bookLimit(this.id, depth)),
    );
    return checkOrderBook(book, depth, this.options.clock.now());
  }

  async fetchTrades(symbol: string, since: number | undefined): Promise<Checked<TradeData>> {
    const trades: unknown = await this.#call(() => this.#exchange.fetchTrades(symbol, since));
    return checkTrades(trades);
  }

  async fetchDerivatives(symbol: string, kinds: DerivativesKinds): Promise<DerivativesData> {
    const exchange = this.#exchange;
    const perpetual = this.derivativesSymbol(symbol);
    if (perpetual === null)
      throw new MalformedResponseError(`${symbol} has no linear perpetual on ${this.id}`);
    const has = exchange.has;
    const [funding, interest, ratios] = await this.#call(() =>
      Promise.all([
        kinds.fundingRate && has.fetchFundingRate === true ? exchange.fetchFundingRate(perpetual) : null,
        kinds.openInterest && has.fetchOpenInterest === true ? exchange.fetchOpenInterest(perpetual) : null,
        kinds.longShortRatio && has.fetchLongShortRatioHistory === true
          ? // '1h' is a period both Binance and Bybit accept (Bybit has no '5m', only '5min'; ccxt passes it raw).
            exchange.fetchLongShortRatioHistory(perpetual, '1h', undefined, 1)
          : null,
      ]),
    );
    const latestRatio: unknown = Array.isArray(ratios) ? ratios[ratios.length - 1] : null;
    const ratio = finiteField(latestRatio, 'longShortRatio');
    return {
      timestamp: this.options.clock.now(),
      fundingRate: finiteField(funding, 'fundingRate'),
      openInterest: finiteField(interest, 'openInterestAmount'),
      longShortRatio: ratio !== null && ratio > 0 ? ratio : null,
    };
  }

  streams(): StreamConnector | null {
    if (this.#streams === undefined) {
      const { config, clock } = this.options;
      const connector = new CcxtStreamConnector({
        rest: this.#exchange,
        settings: this.#settings,
        restUrls: config.apiUrls ?? {},
        ...(config.wsUrls === undefined ? {} : { wsUrls: config.wsUrls }),
        spotTimeframes: config.timeframes,
        now: () => clock.now(),
      });
      this.#streams = connector.supported.length === 0 ? null : connector;
    }
    return this.#streams;
  }

  async close(): Promise<void> {
    await this.#exchange.close();
  }

  /** Every ccxt call: its errors leave classified, so the gate never needs ccxt's classes. */
  async #call<T>(operation: () => Promise<T>): Promise<T> {
    try {
      return await operation();
    } catch (error) {
      throw fromCcxtError(error);
    }
  }
}

/**
 * 429 (and Binance's 418 ban), Bybit's HTTP 403 IP limit, and Bybit's retCode 10006 ("too many
 * visits"), which it sends with HTTP 200.
 */
function isRateLimitAnswer(status: number, body: string): boolean {
  if (status === 429 || status === 418) return true;
  if (status === 403 && /too frequent/i.test(body)) return true;
  return /"retCode"\s*:\s*10006\b/.test(body.slice(0, 64));
}

/** ccxt's declared page size for OHLCV history (its `features`), else a conservative 500. */
function ohlcvLimit(exchange: Exchange): number {
  const features: unknown = exchange.features;
  const spot = (features as { spot?: { fetchOHLCV?: { limit?: unknown } } } | undefined)?.spot;
  const limit = spot?.fetchOHLCV?.limit;
  return typeof limit === 'number' && limit > 0 ? limit : 500;
}

/** Binance accepts only some depth limits; ask for the smallest allowed that covers `depth`. */
function bookLimit(exchange: string, depth: number): number {
  if (exchange !== 'binance') return depth;
  return [5, 10, 20, 50, 100, 500, 1000, 5000].find((allowed) => allowed >= depth) ?? 5000;
}
