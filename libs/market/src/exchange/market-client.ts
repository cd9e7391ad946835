import type { Candle } from '@app/confluence';
import type { ConfigShape, ExchangeConfig, ExchangeCredentials } from '@app/config';
import type { Timeframe } from '@app/contracts';
import type { Clock } from '../clock.js';
import type { BookData, Checked, TradeData } from './response-validation.js';
import type { StreamConnector } from '../stream/stream-types.js';

/** One exchange's settings from exchanges.yaml, as plain data (tests build them as literals). */
export type ExchangeSettings = ConfigShape<ExchangeConfig>;

/** Derivatives readings of one market; a field is null when the exchange did not give it. */
export interface DerivativesData {
  readonly timestamp: number;
  readonly fundingRate: number | null;
  readonly openInterest: number | null;
  readonly longShortRatio: number | null;
}

export interface DerivativesKinds {
  readonly fundingRate: boolean;
  readonly openInterest: boolean;
  readonly longShortRatio: boolean;
}

/** What market-data needs from an exchange; ccxt sits behind it (STYLE.md: vendors behind our interfaces). */
export interface MarketClient {
  readonly id: string;
  /** Most candles one history request returns. */
  readonly maxCandlesPerRequest: number;
  loadMarkets(): Promise<void>;
  /** After loadMarkets: whether the exchange lists the symbol. */
  hasSymbol(symbol: string): boolean;
  /** The linear perpetual whose funding/open interest stand for a spot symbol (BTC/USDT → BTC/USDT:USDT). */
  derivativesSymbol(symbol: string): string | null;
  fetchCandles(
    symbol: string,
    timeframe: Timeframe,
    since: number | undefined,
    limit: number,
  ): Promise<Checked<Candle>>;
  fetchOrderBook(symbol: string, depth: number): Promise<Checked<BookData>>;
  fetchTrades(symbol: string, since: number | undefined): Promise<Checked<TradeData>>;
  fetchDerivatives(symbol: string, kinds: DerivativesKinds): Promise<DerivativesData>;
  /** After loadMarkets: WebSocket sessions with the exchange, or null when it has none. */
  streams?(): StreamConnector | null;
  close(): Promise<void>;
}

export interface CcxtClientOptions {
  readonly config: ExchangeSettings;
  readonly credentials?: ExchangeCredentials;
  readonly clock: Clock;
  /**
   * ccxt's minimum spacing between requests. Left out in production so the exchange's own limit
   * applies; tests against the loopback fake shorten it.
   */
  readonly rateLimitMs?: number;
}

/**
 * The real ccxt client. ccxt is 28 MB of JavaScript, about 0.7 s of every process that loads it,
 * so it is loaded here, on the first live client, and never by replay mode, the gateway or the
 * worker (which import this lib for its types and replay).
 */
export async function createCcxtMarketClient(options: CcxtClientOptions): Promise<MarketClient> {
  const { CcxtMarketClient } = await import('./ccxt-client.js');
  return new CcxtMarketClient(options);
}

/**
 * Builds each exchange's client: a port so market-data's module provides the real ccxt one and
 * tests substitute ccxt with shortened pacing against the loopback fake.
 */
export abstract class MarketClientFactory {
  abstract create(
    config: ExchangeSettings,
    credentials: ExchangeCredentials | undefined,
  ): MarketClient | Promise<MarketClient>;
}

/** The production factory: ccxt at the exchange's own rate limit, on `clock`. */
export class CcxtClientFactory extends MarketClientFactory {
  constructor(private readonly clock: Clock) {
    super();
  }

  create(config: ExchangeSettings, credentials: ExchangeCredentials | undefined): Promise<MarketClient> {
    return createCcxtMarketClient({
      config,
      clock: this.clock,
      ...(credentials === undefined ? {} : { credentials }),
    });
  }
}
