import { ApiExtraModels, ApiProperty } from '@nestjs/swagger';
import type { CostReport, LlmBudget } from '@app/gateway';
import type { DailyCost } from '@app/persistence';
import {
  type AvailableOpinionDto,
  OPINION_MODELS,
  opinionSchema,
  type UnavailableOpinionDto,
} from './opinion-dtos.js';
import { ConfluenceResultDto } from './response-dtos.js';

/** What the /v1/llm operations answer (see response-dtos.ts for the conventions). */

const DAY = { example: '2026-12-07', pattern: '^\\d{4}-\\d{2}-\\d{2}$' } as const;
const USD = { minimum: 0, description: 'US dollars, from the configured price per million tokens' } as const;

/** POST /v1/llm/analyze/{exchange}/{symbol}. */
@ApiExtraModels(...OPINION_MODELS)
export class LlmAnalyzeResponseDto {
  @ApiProperty({
    type: ConfluenceResultDto,
    description: 'the latest result as GET latest shows it, `llm` included',
  })
  readonly result!: ConfluenceResultDto;
  @ApiProperty({ ...opinionSchema(), description: "the model's opinion of that result" })
  readonly llm!: AvailableOpinionDto | UnavailableOpinionDto;
}

export class DailyCostDto implements DailyCost {
  @ApiProperty({ ...DAY, description: 'UTC day' }) readonly day!: string;
  @ApiProperty({ example: 'gpt-4o-mini' }) readonly model!: string;
  @ApiProperty({ minimum: 0, description: 'requests answered with a usage block' })
  readonly requests!: number;
  @ApiProperty({ minimum: 0 }) readonly promptTokens!: number;
  @ApiProperty({ minimum: 0 }) readonly completionTokens!: number;
  @ApiProperty(USD) readonly costUsd!: number;
}

export class LlmCostTotalsDto implements Readonly<CostReport['totals']> {
  @ApiProperty({ minimum: 0 }) readonly requests!: number;
  @ApiProperty({ minimum: 0 }) readonly promptTokens!: number;
  @ApiProperty({ minimum: 0 }) readonly completionTokens!: number;
  @ApiProperty(USD) readonly costUsd!: number;
}

export class LlmBudgetDto implements LlmBudget {
  @ApiProperty({ ...DAY, description: 'today (UTC): the budget is per day' }) readonly day!: string;
  @ApiProperty(USD) readonly spentUsd!: number;
  @ApiProperty({ minimum: 0, description: 'llm.yaml dailyBudgetUsd' }) readonly capUsd!: number;
  @ApiProperty({ description: 'true: no request is made until 00:00 UTC' }) readonly exhausted!: boolean;
}

/** GET /v1/llm/costs. */
export class LlmCostsResponseDto implements CostReport {
  @ApiProperty({ ...DAY, description: 'first day of the range (UTC)' }) readonly from!: string;
  @ApiProperty({ ...DAY, description: 'last day of the range (UTC), included' }) readonly to!: string;
  @ApiProperty({
    type: [DailyCostDto],
    description: 'one ledger per day and model, by day then model; days without a request are absent',
  })
  readonly days!: DailyCostDto[];
  @ApiProperty({ type: LlmCostTotalsDto, description: 'the sum of `days`' })
  readonly totals!: LlmCostTotalsDto;
  @ApiProperty({ type: LlmBudgetDto, description: "today's spend against the daily cap" })
  readonly budget!: LlmBudgetDto;
}
