import 'reflect-metadata';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsDefined,
  IsIn,
  IsNumber,
  IsObject,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  IsOptional,
  ValidateIf,
  ValidateNested,
} from 'class-validator';
import { AnalysisEventName, UpdateTrigger } from './event-names.js';
import { MarketEventBase } from './market-events.js';
import { OpinionUnavailableReason } from './llm-opinion.js';
import { Signal, type SignalChange } from './signal.js';
import { TIMEFRAMES, type Timeframe } from './timeframe.js';
import { IsTimeMs } from './time-validation.js';

const finite = { allowNaN: false, allowInfinity: false } as const;
const SIGNALS = Object.values(Signal);
const SHA256 = /^[0-9a-f]{64}$/;

/** A 0–100 score, or null when the component had no data. */
function ScoreOrNull(): PropertyDecorator {
  return (target, key) => {
    ValidateIf((_, value) => value !== null)(target, key);
    IsNumber(finite)(target, key);
    Min(0)(target, key);
    Max(100)(target, key);
  };
}

/** Each component's score on the result's own timeframe (the compact shape's `components`). */
export class ComponentScoresPayload {
  @ScoreOrNull() readonly orderFlow!: number | null;
  @ScoreOrNull() readonly orderBook!: number | null;
  @ScoreOrNull() readonly volume!: number | null;
  @ScoreOrNull() readonly priceStructure!: number | null;
  @ScoreOrNull() readonly technical!: number | null;
  @ScoreOrNull() readonly sentiment!: number | null;
}

/**
 * A new confluence result of a market stream: the compact shape plus provenance, as Socket.IO
 * subscribers receive it (`confluence.updated` on `/signals`).
 */
export class LiveUpdatePayload extends MarketEventBase {
  @IsIn(TIMEFRAMES) readonly timeframe!: Timeframe;
  /** Open time of the candle the result belongs to (ms, UTC). */
  @IsTimeMs() readonly candleTime!: number;
  @IsIn(Object.values(UpdateTrigger)) readonly trigger!: UpdateTrigger;
  /** When market-data published the input that triggered it; `emittedAt − inputEmittedAt` is the lag. */
  @IsTimeMs() readonly inputEmittedAt!: number;
  @IsTimeMs() readonly computedAt!: number;
  @IsNumber(finite) @Min(0) @Max(100) readonly score!: number;
  @IsIn(SIGNALS) readonly label!: Signal;
  @IsNumber(finite) @Min(0) @Max(100) readonly confidence!: number;
  @IsNumber(finite) @Min(0) @Max(1) readonly coverage!: number;
  @IsDefined()
  @ValidateNested()
  @Type(() => ComponentScoresPayload)
  readonly components!: ComponentScoresPayload;
  @IsString() @MinLength(1) readonly engineVersion!: string;
  @Matches(SHA256) readonly configHash!: string;
  @Matches(SHA256) readonly inputHash!: string;
  /** The one-line human reasoning. */
  @IsString() readonly reasoning!: string;
}

/** `confluence.updated` on the bus: the live update, and on a candle update its domain result. */
export class ConfluenceUpdatedEvent extends LiveUpdatePayload {
  /**
   * The domain result itself (ConfluenceResult as plain data), on every candle update: the
   * gateways keep `GET latest` and the subscribe snapshot as a projection of these, without
   * reading the store. Refresh updates leave it out (they are never stored or served as latest).
   * Checked here as an object only: the worker that computed it is the one producer.
   */
  @ValidateIf(
    (event: ConfluenceUpdatedEvent, value) => event.trigger === UpdateTrigger.Candle || value !== undefined,
  )
  @IsObject()
  readonly result?: Readonly<Record<string, unknown>>;
}

const whenOk = ValidateIf((opinion: OpinionPayload) => opinion.status === 'ok');
const whenUnavailable = ValidateIf((opinion: OpinionPayload) => opinion.status === 'unavailable');

/** A blended label on the wire (BlendedLabel, llm-opinion.ts). */
export class BlendedLabelPayload {
  @IsNumber(finite) @Min(0) @Max(1) readonly weight!: number;
  @IsNumber(finite) @Min(0) @Max(100) readonly score!: number;
  @IsIn(SIGNALS) readonly label!: Signal;
}

/** An opinion on the wire (LlmOpinion, llm-opinion.ts): `status` decides which fields it has. */
export class OpinionPayload {
  @IsIn(['ok', 'unavailable']) readonly status!: 'ok' | 'unavailable';
  @whenOk @IsIn(SIGNALS) readonly signal?: Signal;
  @whenOk @IsNumber(finite) @Min(0) @Max(1) readonly confidence?: number;
  @whenOk @IsString() @MaxLength(4_000) readonly reasoning?: string;
  @whenOk
  @IsArray()
  @ArrayMaxSize(20)
  @IsString({ each: true })
  @MaxLength(1_000, { each: true })
  readonly risks?: readonly string[];
  @whenOk @IsBoolean() readonly agrees?: boolean;
  @IsOptional() @ValidateNested() @Type(() => BlendedLabelPayload) readonly blended?: BlendedLabelPayload;
  @whenOk @IsString() @MinLength(1) readonly model?: string;
  @whenOk @IsString() @MinLength(1) readonly promptVersion?: string;
  @whenOk @Matches(SHA256) readonly promptHash?: string;
  @whenOk @Matches(SHA256) readonly inputHash?: string;
  @whenOk @IsTimeMs() readonly createdAt?: number;
  @whenOk @IsBoolean() readonly cached?: boolean;
  @whenUnavailable @IsIn(Object.values(OpinionUnavailableReason)) readonly reason?: OpinionUnavailableReason;
  @whenUnavailable @IsString() @MaxLength(1_000) readonly detail?: string;
}

/** `signal.changed`: a SignalChange (signal.ts) with where and when it was published. */
export class SignalChangedEvent extends MarketEventBase implements SignalChange {
  @IsIn(TIMEFRAMES) readonly timeframe!: Timeframe;
  /** Open time of the candle whose result changed the label. */
  @IsTimeMs() readonly time!: number;
  @ValidateIf((_, value) => value !== null) @IsIn(SIGNALS) readonly from!: Signal | null;
  @IsIn(SIGNALS) readonly to!: Signal;
  @IsNumber(finite) @Min(0) @Max(100) readonly score!: number;
  @IsNumber(finite) @Min(0) @Max(100) readonly confidence!: number;
}

/**
 * `llm.opinion`: a model's opinion of one stored result (or why there is none), published by
 * whoever asked (the worker on a label change, a gateway on demand). The opinion is checked for
 * its status here and built by the one opinion service; gateways attach it to the latest result
 * and relay it to the market's room.
 */
export class LlmOpinionEvent extends MarketEventBase {
  @IsIn(TIMEFRAMES) readonly timeframe!: Timeframe;
  /** Open time of the candle of the result the opinion is about. */
  @IsTimeMs() readonly candleTime!: number;
  @Matches(SHA256) readonly inputHash!: string;
  /** The engine's own score and label of that result, beside which the opinion is shown. */
  @IsNumber(finite) @Min(0) @Max(100) readonly score!: number;
  @IsIn(SIGNALS) readonly label!: Signal;
  @IsDefined()
  @ValidateNested()
  @Type(() => OpinionPayload)
  readonly opinion!: OpinionPayload;
}

export const ANALYSIS_EVENT_PAYLOADS = {
  [AnalysisEventName.ConfluenceUpdated]: ConfluenceUpdatedEvent,
  [AnalysisEventName.SignalChanged]: SignalChangedEvent,
  [AnalysisEventName.LlmOpinion]: LlmOpinionEvent,
} as const;
