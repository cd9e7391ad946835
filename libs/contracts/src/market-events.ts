import 'reflect-metadata';
import { Type } from 'class-transformer';
import {
  IsArray,
  IsIn,
  IsDefined,
  IsInt,
  IsNumber,
  IsOptional,
  IsPositive,
  IsString,
  Matches,
  Min,
  MinLength,
  ValidateNested,
} from 'class-validator';
import { DataSource, MarketEventName } from './event-names.js';
import { TIMEFRAMES, type Timeframe } from './timeframe.js';
import { IsTimeMs } from './time-validation.js';

const finite = { allowNaN: false, allowInfinity: false } as const;

/** What every market event names: where it comes from and when it was emitted. */
export class MarketEventBase {
  @IsString() @MinLength(1) readonly exchange!: string;
  @Matches(/^[A-Z0-9]+\/[A-Z0-9]+(:[A-Z0-9]+)?$/, {
    message: 'symbol must be a unified symbol like BTC/USDT',
  })
  readonly symbol!: string;
  @IsIn(Object.values(DataSource)) readonly source!: DataSource;
  /** When market-data published it (ms, UTC). */
  @IsTimeMs() readonly emittedAt!: number;
}

/**
 * A candle on the bus: each field's own rule here, checked on receipt; the envelope (high ≥
 * max(open, close), low ≤ min(open, close)) is `candleFaults`' (candle.ts), which the engine
 * applies to every candle it is fed.
 */
export class CandlePayload {
  /** Open time (ms, UTC). */
  @IsTimeMs() readonly timestamp!: number;
  @IsNumber(finite) @IsPositive() readonly open!: number;
  @IsNumber(finite) @IsPositive() readonly high!: number;
  @IsNumber(finite) @IsPositive() readonly low!: number;
  @IsNumber(finite) @IsPositive() readonly close!: number;
  @IsNumber(finite) @Min(0) readonly volume!: number;
}

export class CandleClosedEvent extends MarketEventBase {
  @IsIn(TIMEFRAMES) readonly timeframe!: Timeframe;
  // IsDefined: @ValidateNested passes a missing value, and a close without its candle must not.
  @IsDefined() @ValidateNested() @Type(() => CandlePayload) readonly candle!: CandlePayload;
}

export class BookLevelPayload {
  @IsNumber(finite) @IsPositive() readonly price!: number;
  @IsNumber(finite) @IsPositive() readonly size!: number;
}

export class OrderBookSnapshotEvent extends MarketEventBase {
  @IsTimeMs() readonly timestamp!: number;
  /** The exchange's update id when it has one, to order snapshots. */
  @IsOptional() @IsInt() @Min(0) readonly sequence?: number;
  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => BookLevelPayload)
  readonly bids!: readonly BookLevelPayload[];
  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => BookLevelPayload)
  readonly asks!: readonly BookLevelPayload[];
}

export class TradePayload {
  @IsTimeMs() readonly timestamp!: number;
  @IsNumber(finite) @IsPositive() readonly price!: number;
  @IsNumber(finite) @IsPositive() readonly size!: number;
  @IsIn(['buy', 'sell']) readonly side!: 'buy' | 'sell';
}

export class TradesBatchEvent extends MarketEventBase {
  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => TradePayload)
  readonly trades!: readonly TradePayload[];
}

export class LiquidationsPayload {
  @IsNumber(finite) @Min(0) readonly long!: number;
  @IsNumber(finite) @Min(0) readonly short!: number;
}

export class DerivativesSnapshotEvent extends MarketEventBase {
  @IsTimeMs() readonly timestamp!: number;
  @IsOptional() @IsNumber(finite) readonly fundingRate?: number;
  @IsOptional() @IsNumber(finite) @Min(0) readonly openInterest?: number;
  @IsOptional() @IsNumber(finite) @IsPositive() readonly longShortRatio?: number;
  @IsOptional()
  @ValidateNested()
  @Type(() => LiquidationsPayload)
  readonly liquidations?: LiquidationsPayload;
}

/** The payload class of each market event (the bus validates against it on receipt). */
export const MARKET_EVENT_PAYLOADS = {
  [MarketEventName.CandleClosed]: CandleClosedEvent,
  [MarketEventName.OrderBookSnapshot]: OrderBookSnapshotEvent,
  [MarketEventName.TradesBatch]: TradesBatchEvent,
  [MarketEventName.DerivativesSnapshot]: DerivativesSnapshotEvent,
} as const;

export type MarketEventPayload<N extends MarketEventName> = InstanceType<(typeof MARKET_EVENT_PAYLOADS)[N]>;
