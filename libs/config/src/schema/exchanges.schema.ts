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
  ValidateNested,
} from 'class-validator';
import { exchanges as ccxtExchanges } from 'ccxt';
import { type Timeframe, TIMEFRAMES } from '@app/contracts';
import { HasUniqueItems, SYMBOL_PATTERN } from '../rules.js';

/**
 * Exchange ids ccxt knows; anything else is a typo or an exchange we cannot talk to. ccxt's
 * typings declare `exchanges` as a map of classes while the runtime value is an array of ids,
 * so accept either shape.
 */
const ccxtExchangeList: unknown = ccxtExchanges;
export const KNOWN_EXCHANGES: readonly string[] = Object.freeze(
  Array.isArray(ccxtExchangeList) ? ccxtExchangeList.map(String) : Object.keys(ccxtExchanges),
);

export class OrderBookDataConfig {
  @IsBoolean() readonly enabled!: boolean;
  /** Levels per side kept from each snapshot. */
  @IsInt() @Min(1) @Max(1000) readonly depth!: number;
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
}

export class ExchangesConfig {
  @IsArray()
  @ArrayNotEmpty()
  @ValidateNested({ each: true })
  @Type(() => ExchangeConfig)
  @HasUniqueItems((item) => (item as Partial<ExchangeConfig> | null)?.id)
  readonly exchanges!: readonly ExchangeConfig[];
}

export const DATA_KINDS_DEFAULTS: ConfigShape<DataKindsConfig> = {
  candles: true,
  orderBook: { enabled: true, depth: 20 },
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

export const EXCHANGES_DEFAULTS: ConfigShape<ExchangesConfig> = {
  exchanges: [
    {
      id: 'binance',
      enabled: true,
      symbols: ['BTC/USDT', 'LTC/USDT'],
      timeframes: ['1m', '5m'],
      data: DATA_KINDS_DEFAULTS,
      polling: POLLING_DEFAULTS,
    },
  ],
};
