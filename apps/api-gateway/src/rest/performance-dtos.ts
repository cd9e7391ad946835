import { ApiExtraModels, ApiProperty, getSchemaPath } from '@nestjs/swagger';
import { type ComponentName, type HorizonProbability, type Timeframe, TIMEFRAMES } from '@app/contracts';
import type { PerformanceReport, PerformanceWindow } from '@app/gateway';
import type {
  HorizonPerformance,
  IcEstimate,
  Interval,
  LabelName,
  LabelReport,
  LabelStats,
  OpinionPerformance,
  ProbabilityReliability,
} from '@app/validation';

/*
 * GET /v1/performance and the `probability` of a result, as Swagger reads them. Each class
 * `implements` the type it documents; below the sufficiency floor a figure is null, never a
 * number from too few samples.
 */

const UNIT = { minimum: 0, maximum: 1 } as const;
const COUNT = { type: 'integer', minimum: 0 } as const;
const NULLABLE_NUMBER = { type: 'number', nullable: true } as const;
/** A nullable $ref is written as allOf + nullable (OpenAPI 3.0 ignores siblings of a bare $ref). */
const nullableRef = (model: new () => unknown, description: string) => ({
  nullable: true,
  allOf: [{ $ref: getSchemaPath(model) }],
  description,
});

export class IntervalDto implements Interval {
  @ApiProperty() readonly low!: number;
  @ApiProperty() readonly high!: number;
  @ApiProperty({ ...UNIT, description: 'confidence level (0.95)' }) readonly level!: number;
}

@ApiExtraModels(IntervalDto)
export class IcEstimateDto implements IcEstimate {
  @ApiProperty({ ...COUNT, description: 'rows with a value and a forward return' }) readonly n!: number;
  @ApiProperty({ ...COUNT, description: 'floor(n / horizon): forward returns that do not overlap' })
  readonly independent!: number;
  @ApiProperty({ description: 'independent ≥ minIndependent; false: every figure is null' })
  readonly sufficient!: boolean;
  @ApiProperty({ ...NULLABLE_NUMBER, minimum: -1, maximum: 1, description: 'Spearman rank IC' })
  readonly ic!: number | null;
  @ApiProperty(nullableRef(IntervalDto, 'moving-block bootstrap percentile interval (blocks ≥ the horizon)'))
  readonly interval!: IntervalDto | null;
  @ApiProperty({
    ...NULLABLE_NUMBER,
    ...UNIT,
    description: 'circular-shift null: share of shifted series whose |IC| reaches the observed |IC|',
  })
  readonly nullP!: number | null;
}

export class LabelStatsDto implements LabelStats {
  @ApiProperty(COUNT) readonly n!: number;
  @ApiProperty(COUNT) readonly independent!: number;
  @ApiProperty() readonly sufficient!: boolean;
  @ApiProperty({
    ...NULLABLE_NUMBER,
    ...UNIT,
    description: 'LONG: share with a forward return > 0; SHORT: < 0; NEUTRAL: |return| ≤ the median |return|',
  })
  readonly hitRate!: number | null;
  @ApiProperty(nullableRef(IntervalDto, 'Wilson interval on the independent count'))
  readonly hitInterval!: IntervalDto | null;
  @ApiProperty({ ...NULLABLE_NUMBER, description: 'mean forward log return of the rows with this label' })
  readonly meanReturn!: number | null;
}

export class LabelsByNameDto implements Readonly<Record<LabelName, LabelStats>> {
  @ApiProperty({ type: LabelStatsDto }) readonly LONG!: LabelStatsDto;
  @ApiProperty({ type: LabelStatsDto }) readonly NEUTRAL!: LabelStatsDto;
  @ApiProperty({ type: LabelStatsDto }) readonly SHORT!: LabelStatsDto;
}

export class SpreadDto {
  @ApiProperty({ ...NULLABLE_NUMBER, description: 'mean(LONG) − mean(SHORT) forward log return' })
  readonly value!: number | null;
  @ApiProperty(nullableRef(IntervalDto, 'moving-block bootstrap interval'))
  readonly interval!: IntervalDto | null;
}

export class LabelReportDto implements LabelReport {
  @ApiProperty(COUNT) readonly n!: number;
  @ApiProperty({ type: LabelsByNameDto }) readonly byLabel!: LabelsByNameDto;
  @ApiProperty({ ...NULLABLE_NUMBER, ...UNIT, description: 'share of rows with a forward return > 0' })
  readonly baseRateUp!: number | null;
  @ApiProperty({ type: SpreadDto }) readonly longShortSpread!: SpreadDto;
}

@ApiExtraModels(LabelReportDto)
export class OpinionPerformanceDto implements OpinionPerformance {
  @ApiProperty({ ...COUNT, description: 'rows with an LLM opinion and a forward return' })
  readonly n!: number;
  @ApiProperty(COUNT) readonly independent!: number;
  @ApiProperty() readonly sufficient!: boolean;
  @ApiProperty(nullableRef(LabelReportDto, "the engine's labels on the same rows"))
  readonly engine!: LabelReportDto | null;
  @ApiProperty(nullableRef(LabelReportDto, "the LLM's labels")) readonly llm!: LabelReportDto | null;
  @ApiProperty(
    nullableRef(LabelReportDto, 'the blended labels; null also when none was given (blendWeight 0)'),
  )
  readonly blended!: LabelReportDto | null;
}

export class ProbabilityReliabilityDto implements ProbabilityReliability {
  @ApiProperty({ ...COUNT, description: 'rows scored out of sample (walk-forward)' }) readonly n!: number;
  @ApiProperty({ ...UNIT, description: "Brier score of the score → P(up) map's forecasts" })
  readonly brier!: number;
  @ApiProperty({ ...UNIT, description: 'Brier score of forecasting the training base rate instead' })
  readonly brierBase!: number;
  @ApiProperty({ description: '1 − brier / brierBase: > 0 when the score adds to the base rate' })
  readonly skill!: number;
}

export class ComponentIcsDto implements Readonly<Record<ComponentName, IcEstimate>> {
  @ApiProperty({ type: IcEstimateDto }) readonly orderFlow!: IcEstimateDto;
  @ApiProperty({ type: IcEstimateDto }) readonly orderBook!: IcEstimateDto;
  @ApiProperty({ type: IcEstimateDto }) readonly volume!: IcEstimateDto;
  @ApiProperty({ type: IcEstimateDto }) readonly priceStructure!: IcEstimateDto;
  @ApiProperty({ type: IcEstimateDto }) readonly technical!: IcEstimateDto;
  @ApiProperty({ type: IcEstimateDto }) readonly sentiment!: IcEstimateDto;
}

@ApiExtraModels(ComponentIcsDto, LabelReportDto, OpinionPerformanceDto, ProbabilityReliabilityDto)
export class HorizonPerformanceDto implements HorizonPerformance {
  @ApiProperty({ type: 'integer', minimum: 1, description: 'forward-return horizon in candles' })
  readonly horizon!: number;
  @ApiProperty({ ...COUNT, description: 'samples with a forward return at this horizon' })
  readonly n!: number;
  @ApiProperty(COUNT) readonly independent!: number;
  @ApiProperty({ description: 'independent ≥ minIndependent; false: every figure below is null' })
  readonly sufficient!: boolean;
  @ApiProperty({ type: IcEstimateDto, description: "the score's IC against the forward log return" })
  readonly score!: IcEstimateDto;
  @ApiProperty(nullableRef(ComponentIcsDto, "each component's IC (its score on the stream's timeframe)"))
  readonly components!: ComponentIcsDto | null;
  @ApiProperty(nullableRef(LabelReportDto, "the engine's labels: hit rates, mean returns, long−short spread"))
  readonly labels!: LabelReportDto | null;
  @ApiProperty(
    nullableRef(
      OpinionPerformanceDto,
      "the LLM's and the blended labels beside the engine's, where opinions exist",
    ),
  )
  readonly opinions!: OpinionPerformanceDto | null;
  @ApiProperty(nullableRef(ProbabilityReliabilityDto, 'the score → P(up) map, out of sample'))
  readonly probability!: ProbabilityReliabilityDto | null;
}

export class PerformanceWindowDto implements PerformanceWindow {
  @ApiProperty({ ...COUNT, nullable: true, description: 'lower bound used (ms); null: no sample yet' })
  readonly from!: number | null;
  @ApiProperty({ ...COUNT, nullable: true, description: 'upper bound used (ms); default: the newest sample' })
  readonly to!: number | null;
  @ApiProperty({ ...COUNT, nullable: true, description: 'open time of the first sample used (ms)' })
  readonly firstCandle!: number | null;
  @ApiProperty({ ...COUNT, nullable: true, description: 'open time of the last sample used (ms)' })
  readonly lastCandle!: number | null;
  @ApiProperty({ ...COUNT, description: 'samples used' }) readonly samples!: number;
  @ApiProperty({ description: 'more than window.maxSamples were in range: the newest were used' })
  readonly truncated!: boolean;
}

export class PerformanceResponseDto implements PerformanceReport {
  @ApiProperty({ example: 'binance' }) readonly exchange!: string;
  @ApiProperty({ example: 'BTC/USDT' }) readonly symbol!: string;
  @ApiProperty({ enum: TIMEFRAMES }) readonly timeframe!: Timeframe;
  @ApiProperty({ type: PerformanceWindowDto }) readonly window!: PerformanceWindowDto;
  @ApiProperty({ ...COUNT, description: 'validation.yaml minIndependent: fewer is reported as insufficient' })
  readonly minIndependent!: number;
  @ApiProperty({ type: [HorizonPerformanceDto] }) readonly horizons!: HorizonPerformanceDto[];
}

/** One horizon of a result's `probability`, when the map has enough samples. */
export class SufficientProbabilityDto implements Extract<HorizonProbability, { sufficient: true }> {
  @ApiProperty({ enum: [true] }) readonly sufficient!: true;
  @ApiProperty({ ...UNIT, description: 'P(close h candles later > close now) for this score' })
  readonly up!: number;
  @ApiProperty({ ...COUNT, description: 'samples the map was fitted on' }) readonly n!: number;
  @ApiProperty({ ...UNIT, description: 'out-of-sample (walk-forward) Brier score of the map' })
  readonly brier!: number;
  @ApiProperty({ ...UNIT, description: 'Brier score of forecasting the base rate instead' })
  readonly brierBase!: number;
}

/** One horizon of a result's `probability`, below the sufficiency floor: no probability. */
export class InsufficientProbabilityDto implements Extract<HorizonProbability, { sufficient: false }> {
  @ApiProperty({ enum: [false] }) readonly sufficient!: false;
  @ApiProperty({ ...COUNT, description: 'samples with a forward return so far' }) readonly n!: number;
}

export const PROBABILITY_MODELS = [SufficientProbabilityDto, InsufficientProbabilityDto] as const;

/** `probability` on a result (register PROBABILITY_MODELS as extra models). */
export function probabilitySchema(): Record<string, unknown> {
  return {
    type: 'object',
    additionalProperties: {
      oneOf: [
        { $ref: getSchemaPath(SufficientProbabilityDto) },
        { $ref: getSchemaPath(InsufficientProbabilityDto) },
      ],
    },
    description:
      'by horizon in candles (validation.yaml horizons): the probability of an up move for this score, from ' +
      "the stream's forward-validation map (refitted every probability.refitSeconds); a horizon below the " +
      'sufficiency floor gives only its n. Absent until the first fit.',
  };
}
