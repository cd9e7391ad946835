import { ApiExtraModels, ApiProperty, ApiPropertyOptional, getSchemaPath } from '@nestjs/swagger';
import type { FullResult, WeightSet } from '@app/confluence';
import {
  COMPONENT_NAMES,
  type ComponentName,
  DataSource,
  Signal,
  type SignalChange,
  type Timeframe,
  TIMEFRAMES,
} from '@app/contracts';
import { CandleDto } from '@app/contracts/dto';
import type { StreamStatus, StreamView } from '@app/gateway';
import {
  type AvailableOpinionDto,
  OPINION_MODELS,
  opinionSchema,
  type UnavailableOpinionDto,
} from './opinion-dtos.js';
import {
  type InsufficientProbabilityDto,
  PROBABILITY_MODELS,
  probabilitySchema,
  type SufficientProbabilityDto,
} from './performance-dtos.js';

/*
 * What every REST operation answers, as classes Swagger reads (`/docs` shows the schemas and a
 * client can be generated from `/docs-json`). Each class `implements` the domain type it
 * documents, so the compiler keeps the two in step; a test validates real answers against these
 * schemas, field by field (undeclared fields fail), so the documents cannot drift from the wire.
 */

const SIGNALS = Object.values(Signal);
const SOURCES = [...Object.values(DataSource), 'client'] as const;
const STREAM_STATUSES: readonly StreamStatus[] = ['waiting', 'warming-up', 'warm', 'stale'];
const SCORE = { minimum: 0, maximum: 100 } as const;
const FRACTION = { minimum: 0, maximum: 1 } as const;
const SHA256 = { pattern: '^[0-9a-f]{64}$' } as const;

/** `{name: number}` maps (weights by component, sub-score or timeframe). */
const NUMBER_MAP = { type: 'object', additionalProperties: { type: 'number' } } as const;
/** `{name: number | null}` maps (indicator values; null before warm-up). */
const NULLABLE_NUMBER_MAP = {
  type: 'object',
  additionalProperties: { type: 'number', nullable: true },
} as const;

type Element<T> = T extends readonly (infer E)[] ? E : never;
type FullTimeframe = Element<FullResult['timeframes']>;
type FullComponent = Element<FullTimeframe['components']>;
type FullSubScore = Element<FullComponent['subScores']>;

export class ThresholdsDto {
  @ApiProperty({ ...SCORE, description: 'score at or below which the label is SHORT' })
  readonly short!: number;
  @ApiProperty({ ...SCORE, description: 'score at or above which the label is LONG' }) readonly long!: number;
}

/** What an LLM answer is a function of, besides the inputs: the model and the prompt template. */
export class ReplayLlmDto {
  @ApiProperty({ example: 'gpt-4o-mini' }) readonly model!: string;
  @ApiProperty({ example: 'opinion-v1' }) readonly promptVersion!: string;
  @ApiProperty({ ...SHA256, description: 'SHA-256 of the prompt template (config/prompts)' })
  readonly promptHash!: string;
}

export class ReplayDto implements Readonly<FullResult['replay']> {
  @ApiProperty({ example: '1.0.0' }) readonly engineVersion!: string;
  @ApiProperty({ ...SHA256, description: 'SHA-256 of the weights and indicator settings' })
  readonly configHash!: string;
  @ApiProperty({ ...SHA256, description: 'SHA-256 of every input: same inputs, same hash, same score' })
  readonly inputHash!: string;
  @ApiPropertyOptional({ type: ReplayLlmDto, description: 'with an available LLM opinion (`llm`)' })
  readonly llm?: ReplayLlmDto;
}

export class SubScoreDto implements FullSubScore {
  @ApiProperty({ example: 'rsi' }) readonly name!: string;
  @ApiProperty(SCORE) readonly score!: number;
  @ApiProperty({ description: 'the normalised reading the score was mapped from' }) readonly value!: number;
  @ApiProperty() readonly weight!: number;
  @ApiProperty({ description: 'the weight after renormalising over the sub-scores present' })
  readonly effectiveWeight!: number;
  @ApiProperty({ ...NULLABLE_NUMBER_MAP, description: 'the raw measurements behind it' })
  readonly inputs!: Readonly<Record<string, number | null>>;
}

export class ComponentDto implements FullComponent {
  @ApiProperty({ enum: COMPONENT_NAMES }) readonly component!: ComponentName;
  @ApiProperty({ description: 'false when the component had no data (its weight is redistributed)' })
  readonly available!: boolean;
  @ApiProperty({ ...SCORE, type: 'number', nullable: true }) readonly score!: number | null;
  @ApiProperty() readonly weight!: number;
  @ApiProperty() readonly effectiveWeight!: number;
  @ApiProperty(FRACTION) readonly coverage!: number;
  @ApiProperty({ type: [SubScoreDto] }) readonly subScores!: SubScoreDto[];
  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'string' },
    description: 'why a sub-score is missing, by sub-score',
  })
  readonly missing!: Readonly<Record<string, string>>;
}

export class TimeframeResultDto implements FullTimeframe {
  @ApiProperty({ enum: TIMEFRAMES }) readonly timeframe!: Timeframe;
  @ApiProperty({ format: 'date-time' }) readonly candleTime!: string;
  @ApiProperty(SCORE) readonly score!: number;
  @ApiProperty({ enum: SIGNALS }) readonly label!: Signal;
  @ApiProperty(SCORE) readonly confidence!: number;
  @ApiProperty(FRACTION) readonly coverage!: number;
  @ApiProperty({ minimum: 0 }) readonly stalenessMs!: number;
  @ApiProperty({ type: [ComponentDto] }) readonly components!: ComponentDto[];
  @ApiProperty({ ...NULLABLE_NUMBER_MAP, description: 'latest value of every indicator output, by name' })
  readonly indicators!: Readonly<Record<string, number | null>>;
}

export class EffectiveWeightsDto implements Readonly<FullResult['effectiveWeights']> {
  @ApiProperty({ ...NUMBER_MAP, description: 'by timeframe' })
  readonly timeframes!: Readonly<Partial<Record<Timeframe, number>>>;
  @ApiProperty({
    type: 'object',
    additionalProperties: NUMBER_MAP,
    description: 'by timeframe, then by component',
  })
  readonly components!: Readonly<Partial<Record<Timeframe, Readonly<Record<ComponentName, number>>>>>;
}

/** GET latest: the full result, where its data came from, and the model's opinion once given. */
@ApiExtraModels(...OPINION_MODELS, ...PROBABILITY_MODELS)
export class ConfluenceResultDto implements FullResult {
  @ApiProperty({ example: 'binance' }) readonly exchange!: string;
  @ApiProperty({ example: 'BTC/USDT' }) readonly symbol!: string;
  @ApiProperty({ enum: TIMEFRAMES }) readonly timeframe!: Timeframe;
  @ApiProperty({ format: 'date-time', description: 'open time of the candle scored' })
  readonly candleTime!: string;
  @ApiProperty({ format: 'date-time' }) readonly computedAt!: string;
  @ApiProperty(SCORE) readonly score!: number;
  @ApiProperty({ enum: SIGNALS }) readonly label!: Signal;
  @ApiProperty(SCORE) readonly confidence!: number;
  @ApiProperty(FRACTION) readonly coverage!: number;
  @ApiProperty({ minimum: 0 }) readonly stalenessMs!: number;
  @ApiProperty({ type: ThresholdsDto }) readonly thresholds!: ThresholdsDto;
  @ApiProperty({ description: 'one line a person reads' }) readonly reasoning!: string;
  @ApiProperty({ type: [TimeframeResultDto] }) readonly timeframes!: TimeframeResultDto[];
  @ApiProperty({ type: EffectiveWeightsDto }) readonly effectiveWeights!: EffectiveWeightsDto;
  @ApiProperty({ type: ReplayDto }) readonly replay!: ReplayDto;
  @ApiProperty({
    enum: SOURCES,
    nullable: true,
    description: "live or replay (the service's own results), client (POST analyze); null: not known here",
  })
  readonly source!: (typeof SOURCES)[number] | null;
  @ApiPropertyOptional({
    ...opinionSchema(),
    description:
      "the LLM's opinion of this result, beside the engine's score (absent until one is asked: on a " +
      'label change, or on demand)',
  })
  readonly llm?: AvailableOpinionDto | UnavailableOpinionDto;
  @ApiPropertyOptional(probabilitySchema())
  readonly probability?: Readonly<Record<string, SufficientProbabilityDto | InsufficientProbabilityDto>>;
}

/** POST analyze: the full result, and whether it was stored. */
export class AnalyzeResponseDto extends ConfluenceResultDto {
  @ApiProperty() readonly stored!: boolean;
}

export class ManyResponseDto {
  @ApiProperty({
    type: 'array',
    items: {
      anyOf: [{ $ref: getSchemaPath(ConfluenceResultDto) }, { type: 'object', nullable: true, enum: [null] }],
    },
    description: 'in the order asked; null where a market has no result yet',
  })
  readonly results!: (ConfluenceResultDto | null)[];
}

export class HistoryResponseDto {
  @ApiProperty({ type: [ConfluenceResultDto], description: 'newest first' })
  readonly items!: ConfluenceResultDto[];
  @ApiProperty({
    type: 'string',
    nullable: true,
    description: 'pass as `cursor` for the next page; null: none',
  })
  readonly nextCursor!: string | null;
}

export class LastResultDto {
  @ApiProperty({ format: 'date-time' }) readonly candleTime!: string;
  @ApiProperty(SCORE) readonly score!: number;
  @ApiProperty({ enum: SIGNALS }) readonly label!: Signal;
}

@ApiExtraModels(LastResultDto)
export class StreamViewDto implements StreamView {
  @ApiProperty({ example: 'binance' }) readonly exchange!: string;
  @ApiProperty({ example: 'BTC/USDT' }) readonly symbol!: string;
  @ApiProperty({ enum: TIMEFRAMES }) readonly timeframe!: Timeframe;
  @ApiProperty({ enum: STREAM_STATUSES }) readonly status!: StreamStatus;
  @ApiProperty({ enum: Object.values(DataSource), nullable: true }) readonly source!: DataSource | null;
  @ApiProperty({ type: 'string', format: 'date-time', nullable: true }) readonly lastCandleTime!:
    string | null;
  @ApiProperty({ type: 'number', nullable: true }) readonly lastCandleAgeSeconds!: number | null;
  @ApiProperty({ minimum: 0 }) readonly candlesSeen!: number;
  // A nullable $ref is written as allOf + nullable (OpenAPI 3.0 ignores siblings of a bare $ref).
  @ApiProperty({ nullable: true, allOf: [{ $ref: getSchemaPath(LastResultDto) }] })
  readonly lastResult!: LastResultDto | null;
}

export class MarketsResponseDto {
  @ApiProperty({ type: [StreamViewDto] }) readonly markets!: StreamViewDto[];
}

export class SignalChangeDto implements SignalChange {
  @ApiProperty({ example: 'binance' }) readonly exchange!: string;
  @ApiProperty({ example: 'BTC/USDT' }) readonly symbol!: string;
  @ApiProperty({ enum: TIMEFRAMES }) readonly timeframe!: Timeframe;
  @ApiProperty({ description: 'open time (ms) of the candle whose result changed the label' })
  readonly time!: number;
  @ApiProperty({ enum: SIGNALS, nullable: true, description: "null: the stream's first label" })
  readonly from!: Signal | null;
  @ApiProperty({ enum: SIGNALS }) readonly to!: Signal;
  @ApiProperty(SCORE) readonly score!: number;
  @ApiProperty(SCORE) readonly confidence!: number;
}

export class SignalsResponseDto {
  @ApiProperty({ type: [SignalChangeDto], description: 'newest first' }) readonly items!: SignalChangeDto[];
}

export class WeightSetDto implements WeightSet {
  @ApiProperty({ ...NUMBER_MAP, description: 'by component, summing to 1' })
  readonly components!: Readonly<Record<ComponentName, number>>;
  @ApiProperty({
    type: 'object',
    additionalProperties: NUMBER_MAP,
    description: 'by component, then sub-score',
  })
  readonly subscores!: Readonly<Record<ComponentName, Readonly<Record<string, number>>>>;
  @ApiProperty({ ...NUMBER_MAP, description: 'by timeframe' })
  readonly timeframes!: Readonly<Partial<Record<Timeframe, number>>>;
  @ApiProperty({ type: ThresholdsDto }) readonly thresholds!: ThresholdsDto;
}

export class WeightsResponseDto {
  @ApiProperty({ type: 'string', nullable: true, description: 'the symbol asked for; null: global weights' })
  readonly symbol!: string | null;
  @ApiProperty({ type: WeightSetDto }) readonly weights!: WeightSetDto;
  @ApiProperty({ type: [String], description: 'symbols with weight overrides' })
  readonly overrides!: string[];
}

export class IndicatorsResponseDto {
  @ApiProperty({ description: 'candles received; every series has this length' }) readonly length!: number;
  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'array', items: { type: 'number', nullable: true } },
    description: 'series by indicator name (the CLI names), null before warm-up',
  })
  readonly indicators!: Readonly<Record<string, readonly (number | null)[]>>;
}

/** GET /v1/candles: the stream asked (its default timeframe filled in) and its stored candles. */
export class CandlesResponseDto {
  @ApiProperty({ example: 'binance' }) readonly exchange!: string;
  @ApiProperty({ example: 'BTC/USDT' }) readonly symbol!: string;
  @ApiProperty({ enum: TIMEFRAMES }) readonly timeframe!: Timeframe;
  @ApiProperty({ type: [CandleDto], description: 'oldest first; empty when none is stored in the range' })
  readonly candles!: CandleDto[];
}
