import 'reflect-metadata';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsNumber,
  IsOptional,
  IsPositive,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateIf,
  ValidateNested,
} from 'class-validator';
import { type ArrayBounds, arrayBoundsOf } from '../array-sizes.js';
import type { FieldIssue } from '../confluence.error.js';
import { MAX_TIME_MS, MIN_TIME_MS } from '../time-range.js';
import { IsTimeMs } from '../time-validation.js';
import { isTimeframe, TIMEFRAMES, type Timeframe } from '../timeframe.js';
import {
  candleSeriesBounds,
  candleSeriesIssues,
  candleSeriesMapBounds,
  candleSeriesMapIssues,
  MAX_CANDLES_PER_TIMEFRAME,
} from './candle-series.js';

const finite = { allowNaN: false, allowInfinity: false } as const;
/** A ccxt exchange id. */
export const EXCHANGE_PATTERN = /^[a-z][a-z0-9]{1,31}$/;
/** Unified symbol (`BTC/USDT`, `BTC/USDT:USDT`); REST paths write the slash as a dash. */
export const SYMBOL_PATTERN = /^[A-Z0-9]{1,20}[/-][A-Z0-9]{1,20}(:[A-Z0-9]{1,20})?$/;
const SYMBOL_MESSAGE = 'must be a symbol like BTC/USDT (or BTC-USDT)';
const EXCHANGE_MESSAGE = 'must be a ccxt exchange id like binance';
/** Trades and book levels a client may send with an analysis. */
export const MAX_TRADES = 10_000;
export const MAX_BOOK_LEVELS = 1_000;

/**
 * An optional body field: absent is fine, `null` is not (it would reach the engine as a value).
 * class-validator's `@IsOptional()` lets null through.
 */
function AbsentOrValid(): PropertyDecorator {
  return ValidateIf((_, value: unknown) => value !== undefined);
}

/** `BTC-USDT` (paths) or `BTC/USDT` → `BTC/USDT`. */
export function normalizeSymbol(symbol: string): string {
  return symbol.includes('/') ? symbol : symbol.replace('-', '/');
}

/** Several property decorators as one. */
function all(...decorators: PropertyDecorator[]): PropertyDecorator {
  return (target, key) => {
    for (const decorator of decorators) decorator(target, key);
  };
}

/** A required time of a body: the one range (time-range.ts), documented as it is checked. */
function TimeProperty(description: string): PropertyDecorator {
  return all(ApiProperty({ description, minimum: MIN_TIME_MS, maximum: MAX_TIME_MS }), IsTimeMs());
}

/** Documentation of one candle (validated by `candleSeriesIssues`, which names each bad field). */
export class CandleDto {
  @ApiProperty({
    description: 'Open time, ms since the epoch (UTC), aligned to the timeframe',
    example: 1613692800000,
    minimum: MIN_TIME_MS,
    maximum: MAX_TIME_MS,
  })
  readonly timestamp!: number;
  @ApiProperty({ minimum: 0, exclusiveMinimum: true, example: 51234.5 }) readonly open!: number;
  @ApiProperty({ minimum: 0, exclusiveMinimum: true, description: '≥ max(open, close)' })
  readonly high!: number;
  @ApiProperty({ minimum: 0, exclusiveMinimum: true, description: '≤ min(open, close)' })
  readonly low!: number;
  @ApiProperty({ minimum: 0, exclusiveMinimum: true }) readonly close!: number;
  @ApiProperty({ minimum: 0 }) readonly volume!: number;
}

export class BookLevelDto {
  @ApiProperty({ minimum: 0, exclusiveMinimum: true })
  @IsNumber(finite)
  @IsPositive()
  readonly price!: number;
  @ApiProperty({ minimum: 0, exclusiveMinimum: true }) @IsNumber(finite) @IsPositive() readonly size!: number;
}

export class OrderBookDto {
  @TimeProperty('ms since the epoch') readonly timestamp!: number;
  @ApiProperty({ type: [BookLevelDto], description: 'best first' })
  @IsArray()
  @ArrayMaxSize(MAX_BOOK_LEVELS)
  @ValidateNested({ each: true })
  @Type(() => BookLevelDto)
  readonly bids!: BookLevelDto[];
  @ApiProperty({ type: [BookLevelDto], description: 'best first' })
  @IsArray()
  @ArrayMaxSize(MAX_BOOK_LEVELS)
  @ValidateNested({ each: true })
  @Type(() => BookLevelDto)
  readonly asks!: BookLevelDto[];
}

export class TradeDto {
  @TimeProperty('ms since the epoch') readonly timestamp!: number;
  @ApiProperty({ minimum: 0, exclusiveMinimum: true })
  @IsNumber(finite)
  @IsPositive()
  readonly price!: number;
  @ApiProperty({ minimum: 0, exclusiveMinimum: true }) @IsNumber(finite) @IsPositive() readonly size!: number;
  @ApiProperty({ enum: ['buy', 'sell'], description: "the aggressor's (taker's) side" })
  @IsIn(['buy', 'sell'])
  readonly side!: 'buy' | 'sell';
}

export class LiquidationsDto {
  @ApiProperty({ minimum: 0 }) @IsNumber(finite) @Min(0) readonly long!: number;
  @ApiProperty({ minimum: 0 }) @IsNumber(finite) @Min(0) readonly short!: number;
}

export class DerivativesDto {
  @TimeProperty('ms since the epoch') readonly timestamp!: number;
  @ApiPropertyOptional({ description: 'per funding interval, as a fraction' })
  @AbsentOrValid()
  @IsNumber(finite)
  readonly fundingRate?: number;
  @ApiPropertyOptional({ minimum: 0 })
  @AbsentOrValid()
  @IsNumber(finite)
  @Min(0)
  readonly openInterest?: number;
  @ApiPropertyOptional({ minimum: 0, exclusiveMinimum: true })
  @AbsentOrValid()
  @IsNumber(finite)
  @IsPositive()
  readonly longShortRatio?: number;
  @ApiPropertyOptional({ type: LiquidationsDto })
  @AbsentOrValid()
  @ValidateNested()
  @Type(() => LiquidationsDto)
  readonly liquidations?: LiquidationsDto;
}

/** POST /v1/confluence/analyze. */
export class AnalyzeRequestDto {
  @ApiProperty({ example: 'BTC/USDT' })
  @Matches(SYMBOL_PATTERN, { message: SYMBOL_MESSAGE })
  readonly symbol!: string;
  @ApiPropertyOptional({ example: 'binance', default: 'custom' })
  @AbsentOrValid()
  @Matches(EXCHANGE_PATTERN, { message: EXCHANGE_MESSAGE })
  readonly exchange?: string;
  @ApiProperty({
    description: `Candles by timeframe, oldest first, at most ${MAX_CANDLES_PER_TIMEFRAME} per timeframe`,
    type: 'object',
    additionalProperties: { type: 'array', items: { $ref: '#/components/schemas/CandleDto' } },
    example: { '1m': [{ timestamp: 1613692800000, open: 1, high: 2, low: 0.5, close: 1.5, volume: 10 }] },
  })
  // No class-validator rule: checked by ANALYZE_CANDLES, below.
  readonly candles!: Readonly<Partial<Record<Timeframe, readonly CandleDto[]>>>;
  @ApiPropertyOptional({ type: OrderBookDto })
  @AbsentOrValid()
  @ValidateNested()
  @Type(() => OrderBookDto)
  readonly orderBook?: OrderBookDto;
  @ApiPropertyOptional({ type: [TradeDto] })
  @AbsentOrValid()
  @IsArray()
  @ArrayMaxSize(MAX_TRADES)
  @ValidateNested({ each: true })
  @Type(() => TradeDto)
  readonly trades?: TradeDto[];
  @ApiPropertyOptional({ type: [DerivativesDto] })
  @AbsentOrValid()
  @IsArray()
  @ArrayMaxSize(1000)
  @ValidateNested({ each: true })
  @Type(() => DerivativesDto)
  readonly derivatives?: DerivativesDto[];
  @ApiPropertyOptional({ default: false, description: 'store the result (and count it in the history)' })
  @AbsentOrValid()
  @IsBoolean()
  readonly store?: boolean;
  @ApiPropertyOptional({
    default: false,
    description:
      "ask the LLM's opinion of the result (answered as `llm`, and attached to it when stored); " +
      'a cached answer makes no request and says `cached: true`',
  })
  @AbsentOrValid()
  @IsBoolean()
  readonly llm?: boolean;
}

/**
 * A request body whose candles are checked by hand as the client sent them, and every other
 * property by its DTO's class-validator rules (the gateway's CandleBodyPipe runs both into one
 * 400). class-transformer never sees the candles: it would copy every candle object.
 */
export interface CandleBodyRules<T extends object> {
  /** The DTO of the body; its candle property has no class-validator rule. */
  readonly dto: new () => T;
  /** The property holding the candles. */
  readonly field: keyof T & string;
  /** Every issue of the candles (`value`, as parsed), by its path; `body` is the whole parsed body. */
  readonly issues: (value: unknown, body: Readonly<Record<string, unknown>>) => FieldIssue[];
  /** The candles' array bounds, as `issues` words them, for a scan of the raw body. */
  readonly bounds: () => ArrayBounds;
}

/**
 * Every array bound of a candle body, for a scan of the raw body before it is parsed: the DTO's
 * (`@ArrayMaxSize`, nested too) and the candles'.
 */
export function candleBodyBounds<T extends object>(rules: CandleBodyRules<T>): ArrayBounds {
  const properties = new Map(arrayBoundsOf(rules.dto)?.properties);
  properties.set(rules.field, rules.bounds());
  return { max: null, message: '', properties };
}

/** POST analyze's `candles`: `{"<timeframe>": [candles]}`, each series aligned to its key. */
export const ANALYZE_CANDLES: CandleBodyRules<AnalyzeRequestDto> = {
  dto: AnalyzeRequestDto,
  field: 'candles',
  issues: (value) => candleSeriesMapIssues(value, 'candles'),
  bounds: candleSeriesMapBounds,
};

/** POST /v1/indicators. */
export class IndicatorsRequestDto {
  @ApiProperty({ type: [CandleDto], description: `oldest first, at most ${MAX_CANDLES_PER_TIMEFRAME}` })
  // No class-validator rule: checked by INDICATOR_CANDLES, below.
  readonly candles!: readonly CandleDto[];
  @ApiPropertyOptional({ enum: TIMEFRAMES, description: 'when given, open times must be aligned to it' })
  @AbsentOrValid()
  @IsIn(TIMEFRAMES)
  readonly timeframe?: Timeframe;
}

/** POST indicators' `candles`: one series, aligned to the body's `timeframe` when that is one. */
export const INDICATOR_CANDLES: CandleBodyRules<IndicatorsRequestDto> = {
  dto: IndicatorsRequestDto,
  field: 'candles',
  // A bad timeframe is the DTO's issue (`timeframe`), not one per candle.
  issues: (value, body) =>
    candleSeriesIssues(value, 'candles', isTimeframe(body.timeframe) ? body.timeframe : null),
  bounds: candleSeriesBounds,
};

/** `:exchange/:symbol` path parameters. */
export class MarketParamsDto {
  @ApiProperty({ example: 'binance' })
  @Matches(EXCHANGE_PATTERN, { message: EXCHANGE_MESSAGE })
  readonly exchange!: string;
  @ApiProperty({ example: 'BTC-USDT' })
  @Matches(SYMBOL_PATTERN, { message: SYMBOL_MESSAGE })
  readonly symbol!: string;
}

export class LatestQueryDto {
  @ApiPropertyOptional({ enum: TIMEFRAMES, description: "default: the market's shortest tracked timeframe" })
  @IsOptional()
  @IsIn(TIMEFRAMES)
  readonly timeframe?: Timeframe;
}

export const MAX_HISTORY_PAGE = 1000;

/** An optional query parameter holding a time in ms since the epoch (the one range). */
function QueryTime(description: string): PropertyDecorator {
  return all(
    ApiPropertyOptional({ description, minimum: MIN_TIME_MS, maximum: MAX_TIME_MS }),
    IsOptional(),
    Type(() => Number),
    IsTimeMs(),
  );
}

/** An optional page size, 1 to MAX_HISTORY_PAGE. */
function PageLimit(): PropertyDecorator {
  return all(
    ApiPropertyOptional({ minimum: 1, maximum: MAX_HISTORY_PAGE, default: 100 }),
    IsOptional(),
    Type(() => Number),
    IsInt(),
    Min(1),
    Max(MAX_HISTORY_PAGE),
  );
}

export class HistoryQueryDto extends LatestQueryDto {
  @QueryTime('candle open time ≥ from (ms since the epoch)') readonly from?: number;
  @QueryTime('candle open time ≤ to (ms since the epoch)') readonly to?: number;
  @PageLimit() readonly limit?: number;
  @ApiPropertyOptional({ description: "the previous page's nextCursor" })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  readonly cursor?: string;
}

/** GET /v1/candles/:exchange/:symbol: a stream's stored candles, the newest `limit` opened in [from, to]. */
export class CandlesQueryDto extends LatestQueryDto {
  @QueryTime('candle open time ≥ from (ms since the epoch)') readonly from?: number;
  @QueryTime('candle open time ≤ to (ms since the epoch)') readonly to?: number;
  @PageLimit() readonly limit?: number;
}

/** The longest forward-return horizon GET /v1/performance measures, in candles. */
export const MAX_HORIZON = 1000;

/** GET /v1/performance: one stream, one horizon or every configured one, a range of candles. */
export class PerformanceQueryDto {
  @ApiProperty({ example: 'binance' })
  @Matches(EXCHANGE_PATTERN, { message: EXCHANGE_MESSAGE })
  readonly exchange!: string;
  @ApiProperty({ example: 'BTC-USDT' })
  @Matches(SYMBOL_PATTERN, { message: SYMBOL_MESSAGE })
  readonly symbol!: string;
  @ApiPropertyOptional({ enum: TIMEFRAMES, description: "default: the market's shortest tracked timeframe" })
  @IsOptional()
  @IsIn(TIMEFRAMES)
  readonly timeframe?: Timeframe;
  @ApiPropertyOptional({
    minimum: 1,
    maximum: MAX_HORIZON,
    description: 'forward-return horizon in candles; default: every horizon of validation.yaml',
  })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(MAX_HORIZON)
  readonly horizon?: number;
  @QueryTime('samples of candles opened at or after this (ms); default: `to` − validation.yaml window.days')
  readonly from?: number;
  @QueryTime('samples of candles opened at or before this (ms); default: the newest sample')
  readonly to?: number;
}

export const MAX_MARKETS_PER_CALL = 50;

export class ManyQueryDto {
  @ApiProperty({
    description: `comma-separated exchange:symbol[:timeframe], at most ${MAX_MARKETS_PER_CALL}`,
    example: 'binance:BTC-USDT:1m,binance:LTC/USDT',
  })
  @IsString()
  @Matches(/^[^,]+(,[^,]+)*$/, { message: 'must be a comma-separated list of exchange:symbol[:timeframe]' })
  @MaxLength(4000)
  readonly markets!: string;
}

export class SignalsQueryDto {
  @ApiPropertyOptional({ example: 'binance' })
  @IsOptional()
  @Matches(EXCHANGE_PATTERN, { message: EXCHANGE_MESSAGE })
  readonly exchange?: string;
  @ApiPropertyOptional({ example: 'BTC/USDT' })
  @IsOptional()
  @Matches(SYMBOL_PATTERN, { message: SYMBOL_MESSAGE })
  readonly symbol?: string;
  @ApiPropertyOptional({ enum: TIMEFRAMES }) @IsOptional() @IsIn(TIMEFRAMES) readonly timeframe?: Timeframe;
  @QueryTime('changes at or after this candle open time (ms)') readonly since?: number;
  @PageLimit() readonly limit?: number;
}

/** A UTC day as the LLM cost ledger keys it. */
export const DAY_PATTERN = /^\d{4}-\d{2}-\d{2}$/;
const DAY_MESSAGE = 'must be a day (YYYY-MM-DD)';

/** GET /v1/llm/costs: a range of UTC days, both ends included (`to` defaults to today, `from` to `to`). */
export class LlmCostsQueryDto {
  @ApiPropertyOptional({ example: '2026-12-01', description: 'first day (UTC), default: to' })
  @IsOptional()
  @Matches(DAY_PATTERN, { message: DAY_MESSAGE })
  readonly from?: string;
  @ApiPropertyOptional({ example: '2026-12-07', description: 'last day (UTC), default today' })
  @IsOptional()
  @Matches(DAY_PATTERN, { message: DAY_MESSAGE })
  readonly to?: string;
}

/** `subscribe` / `unsubscribe` on `/signals` (validated with the same rules as REST). */
export class SubscriptionDto {
  @Matches(EXCHANGE_PATTERN, { message: EXCHANGE_MESSAGE }) readonly exchange!: string;
  @Matches(SYMBOL_PATTERN, { message: SYMBOL_MESSAGE }) readonly symbol!: string;
  @IsIn(TIMEFRAMES) readonly timeframe!: Timeframe;
}
