import { Type } from 'class-transformer';
import type { ConfigShape } from '../config.types.js';
import {
  ArrayNotEmpty,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsString,
  Matches,
  Max,
  Min,
  ValidateBy,
  ValidateNested,
} from 'class-validator';
import { type Timeframe, TIMEFRAMES } from '@app/contracts';
import { HasUniqueItems, IsLessThanProperty, SYMBOL_PATTERN } from '../rules.js';
import { CCXT_EXCHANGE_IDS } from './exchange-ids.js';
import { RecordOf } from '../validate.js';

/** Exchange ids ccxt knows; anything else is a typo or an exchange we cannot talk to. */
export const KNOWN_EXCHANGES: readonly string[] = CCXT_EXCHANGE_IDS;

/** ccxt pro `urls.api.ws` entries: URLs, or mappings of them (Bybit's `public.spot`). */
export interface WsUrls {
  readonly [key: string]: string | WsUrls;
}

/** Retries after a failed request: exponential backoff with full jitter, base → cap. */
export class RetryConfig {
  @IsInt() @Min(1) @IsLessThanProperty('maxMs') readonly baseMs!: number;
  @IsInt() @Min(1) @Max(3_600_000) readonly maxMs!: number;
}

export class OrderBookDataConfig {
  @IsBoolean() readonly enabled!: boolean;
  /** Levels per side kept from each snapshot. */
  @IsInt() @Min(1) @Max(1000) readonly depth!: number;
  /**
   * Symbols whose snapshots are stored, so order-book components can be backtested later:
   * exchanges keep no order-book history.
   */
  @IsArray()
  @Matches(SYMBOL_PATTERN, { each: true, message: 'each symbol must be unified, such as BTC/USDT' })
  @HasUniqueItems()
  readonly record!: readonly string[];
}

/** Which kinds of market data to collect for an exchange's markets. */
export class DataKindsConfig {
  @IsBoolean() readonly candles!: boolean;
  @ValidateNested() @Type(() => OrderBookDataConfig) readonly orderBook!: OrderBookDataConfig;
  @IsBoolean() readonly trades!: boolean;
  @IsBoolean() readonly fundingRate!: boolean;
  @IsBoolean() readonly openInterest!: boolean;
  @IsBoolean() readonly longShortRatio!: boolean;
}

/** Poll intervals, used where an exchange has no streaming API; ccxt's rate limiter still applies. */
export class PollingConfig {
  @IsInt() @Min(250) @Max(3_600_000) readonly candlesMs!: number;
  @IsInt() @Min(250) @Max(3_600_000) readonly orderBookMs!: number;
  @IsInt() @Min(250) @Max(3_600_000) readonly tradesMs!: number;
  @IsInt() @Min(1000) @Max(3_600_000) readonly derivativesMs!: number;
}

/**
 * WebSocket streams (ccxt pro) of an exchange. A stream with no data for `silenceMs` is declared
 * silent and reconnected; until a stream delivers again its markets are polled (`polling`).
 */
export class StreamConfig {
  @IsInt() @Min(1_000) @Max(600_000) readonly silenceMs!: number;
  /**
   * Most topics (a market's candles of one timeframe, its trades, its book) on one connection.
   * Binance allows 1,024 streams per connection, Bybit's public streams take a few hundred.
   */
  @IsInt() @Min(1) @Max(1_024) readonly maxTopicsPerConnection!: number;
  /** Topics per subscribe request (Bybit spot accepts at most 10). */
  @IsInt() @Min(1) @Max(200) readonly subscriptionBatch!: number;
  /** The newest book of each market is published at most this often. */
  @IsInt() @Min(50) @Max(60_000) readonly bookPublishMs!: number;
  /** Streamed trades are published in batches this far apart. */
  @IsInt() @Min(50) @Max(60_000) readonly tradesFlushMs!: number;
  /** Backoff between reconnects (full jitter), base → cap. */
  @ValidateNested() @Type(() => RetryConfig) readonly reconnect!: RetryConfig;
}

export class ExchangeConfig {
  @IsString()
  @IsIn(KNOWN_EXCHANGES, { message: 'must be an exchange id ccxt knows (binance, bybit, okx, kraken, ...)' })
  readonly id!: string;
  @IsBoolean() readonly enabled!: boolean;
  @IsArray()
  @ArrayNotEmpty()
  @Matches(SYMBOL_PATTERN, {
    each: true,
    message: 'each symbol must be unified, such as BTC/USDT or BTC/USDT:USDT',
  })
  @HasUniqueItems()
  readonly symbols!: readonly string[];
  @IsArray()
  @ArrayNotEmpty()
  @IsIn(TIMEFRAMES, { each: true, message: `each timeframe must be one of ${TIMEFRAMES.join(', ')}` })
  @HasUniqueItems()
  readonly timeframes!: readonly Timeframe[];
  @ValidateNested() @Type(() => DataKindsConfig) readonly data!: DataKindsConfig;
  @ValidateNested() @Type(() => PollingConfig) readonly polling!: PollingConfig;
  /**
   * `websocket`: candles, trades and books stream through ccxt pro where it supports the exchange
   * (REST polling stands in while a stream is down); `polling`: REST only.
   */
  @IsIn(['websocket', 'polling']) readonly transport!: 'websocket' | 'polling';
  @ValidateNested() @Type(() => StreamConfig) readonly stream!: StreamConfig;
  /**
   * Overrides of ccxt pro's `urls.api.ws` entries, merged key by key over the exchange's own
   * (Binance `{ spot: wss://... }`, Bybit `{ public: { spot: wss://... } }`).
   */
  @RecordOf({ value: wsUrlTree, optional: true })
  readonly wsUrls?: WsUrls;
  /**
   * Overrides of ccxt's `urls.api` entries (proxies, testnets, the fake exchange in tests), merged
   * over the exchange's own: `{ public: 'https://proxy.example/api/v3' }`.
   */
  @RecordOf({ value: httpUrl, optional: true })
  readonly apiUrls?: Readonly<Record<string, string>>;
  /** ccxt's sandbox (testnet) mode, where the exchange has one. */
  @IsBoolean() readonly sandbox!: boolean;
  /** A request slower than this fails as a timeout (and counts against the exchange). */
  @IsInt() @Min(100) @Max(120_000) readonly requestTimeoutMs!: number;
}

/**
 * The circuit breaker of each exchange: it opens after `monitoring.yaml`
 * health.exchangeDownAfterFailures failures in a row, and probes again after `openMs`, doubling
 * up to `maxOpenMs` while the exchange keeps failing.
 */
export class BreakerConfig {
  @IsInt() @Min(100) @IsLessThanProperty('maxOpenMs') readonly openMs!: number;
  @IsInt() @Min(100) @Max(86_400_000) readonly maxOpenMs!: number;
}

/** Where each candle stream starts when market-data starts. */
export class ResumeConfig {
  /**
   * Most candles a stream backfills at start from its last stored candle (when that is older than
   * the warm-up); 0 = the warm-up only. The older part of a longer hole stays unfilled, with a
   * warning naming the stream and the range, and shows in /health/market-data.
   */
  @IsInt() @Min(0) @Max(1_000_000) readonly maxCandles!: number;
}

/**
 * Holes an exchange's answer skips over (it has newer candles but not these, yet): asked for
 * again after `retryMs`, doubling, until `attempts` answers in all have lacked them; then their
 * candles are declared missing. Newer candles of the stream wait meanwhile, so consumers still
 * see it in order.
 */
export class GapsConfig {
  /** Answers that may lack a hole's candles before they are declared missing (1 = at the first). */
  @IsInt() @Min(1) @Max(20) readonly attempts!: number;
  @IsInt() @Min(1_000) @Max(3_600_000) readonly retryMs!: number;
}

export const REPLAY_SPEEDS_MAX = 'max';

export class ReplayConfig {
  /** Multiple of real time (60 = an hour of candles a minute), or `max` for backtests. */
  @ValidateBy({
    name: 'replaySpeed',
    validator: {
      validate: (value: unknown) =>
        value === REPLAY_SPEEDS_MAX ||
        (typeof value === 'number' && Number.isFinite(value) && value > 0 && value <= 1_000_000),
      defaultMessage: () => 'must be a multiple of real time (0 < speed ≤ 1000000), or max',
    },
  })
  readonly speed!: number | typeof REPLAY_SPEEDS_MAX;
  /** Candle files under data/ (named BASE-QUOTE_timeframe_date_exchange.csv); empty = all of them. */
  @IsArray()
  @Matches(/^[A-Za-z0-9._-]+\.csv$/, { each: true, message: 'each file must be a .csv name under data/' })
  @HasUniqueItems()
  readonly files!: readonly string[];
}

export class ExchangesConfig {
  @IsArray()
  @ArrayNotEmpty()
  @ValidateNested({ each: true })
  @Type(() => ExchangeConfig)
  @HasUniqueItems((item) => (item as Partial<ExchangeConfig> | null)?.id)
  readonly exchanges!: readonly ExchangeConfig[];
  /** `auto`: replay in local mode, live exchanges in distributed mode. */
  @IsIn(['auto', 'replay', 'live']) readonly source!: 'auto' | 'replay' | 'live';
  @ValidateNested() @Type(() => ReplayConfig) readonly replay!: ReplayConfig;
  @ValidateNested() @Type(() => RetryConfig) readonly retry!: RetryConfig;
  @ValidateNested() @Type(() => BreakerConfig) readonly breaker!: BreakerConfig;
  @ValidateNested() @Type(() => ResumeConfig) readonly resume!: ResumeConfig;
  @ValidateNested() @Type(() => GapsConfig) readonly gaps!: GapsConfig;
}

/** A function declaration (hoisted), because the decorators above run before later consts exist. */
function wsUrlTree(value: unknown): string | null {
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    for (const nested of Object.values(value)) {
      const problem = wsUrlTree(nested);
      if (problem !== null) return problem;
    }
    return null;
  }
  if (typeof value !== 'string') return 'must be a ws(s) URL or a mapping of them';
  try {
    return ['ws:', 'wss:'].includes(new URL(value).protocol)
      ? null
      : 'must be a ws(s) URL or a mapping of them';
  } catch {
    return 'must be a ws(s) URL or a mapping of them';
  }
}

function httpUrl(value: unknown): string | null {
  if (typeof value !== 'string') return 'must be an http(s) URL';
  try {
    return ['http:', 'https:'].includes(new URL(value).protocol) ? null : 'must be an http(s) URL';
  } catch {
    return 'must be an http(s) URL';
  }
}

export const DATA_KINDS_DEFAULTS: ConfigShape<DataKindsConfig> = {
  candles: true,
  orderBook: { enabled: true, depth: 20, record: [] },
  trades: true,
  fundingRate: false,
  openInterest: false,
  longShortRatio: false,
};

export const POLLING_DEFAULTS: ConfigShape<PollingConfig> = {
  candlesMs: 10_000,
  orderBookMs: 2_000,
  tradesMs: 5_000,
  derivativesMs: 60_000,
};

export const STREAM_DEFAULTS: ConfigShape<StreamConfig> = {
  silenceMs: 30_000,
  maxTopicsPerConnection: 200,
  subscriptionBatch: 10,
  bookPublishMs: 1_000,
  tradesFlushMs: 1_000,
  reconnect: { baseMs: 1_000, maxMs: 60_000 },
};

/** What an exchange entry takes for each part it leaves out. */
export const EXCHANGE_ITEM_DEFAULTS = {
  enabled: true,
  data: DATA_KINDS_DEFAULTS,
  polling: POLLING_DEFAULTS,
  transport: 'websocket',
  stream: STREAM_DEFAULTS,
  sandbox: false,
  requestTimeoutMs: 10_000,
} as const;

export const EXCHANGES_DEFAULTS: ConfigShape<ExchangesConfig> = {
  exchanges: [
    { ...EXCHANGE_ITEM_DEFAULTS, id: 'binance', symbols: ['BTC/USDT', 'LTC/USDT'], timeframes: ['1m', '5m'] },
  ],
  source: 'auto',
  replay: { speed: 60, files: [] },
  retry: { baseMs: 500, maxMs: 30_000 },
  breaker: { openMs: 15_000, maxOpenMs: 300_000 },
  resume: { maxCandles: 10_000 },
  gaps: { attempts: 4, retryMs: 15_000 },
};
