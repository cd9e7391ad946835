import { Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { LlmOpinion } from '@app/contracts';
import { LatestQueryDto, LlmCostsQueryDto, MarketParamsDto } from '@app/contracts/dto';
import { type CostReport, OpinionRequests } from '@app/gateway';
import { Endpoint } from '../http/guards.js';
import { ApiErrors } from './api-errors.js';
import { LlmAnalyzeResponseDto, LlmCostsResponseDto } from './llm-response-dtos.js';

/**
 * The LLM opinion endpoints: ask about a tracked market's latest result on demand (each call may
 * cost money: its own rate limit, `llmAnalyze` in app.yaml), and what the model cost. The rules
 * are OpinionRequests' (libs/gateway).
 */
@ApiTags('llm')
@Controller('v1/llm')
export class LlmController {
  constructor(private readonly requests: OpinionRequests) {}

  @Post('analyze/:exchange/:symbol')
  @HttpCode(200)
  @Endpoint('llmAnalyze')
  @ApiOperation({
    summary: "Ask the LLM's opinion of a tracked market's latest result",
    description:
      'Published like an opinion given on a label change: attached to the stored result (history), to ' +
      "GET latest, and sent as `llm.opinion` to the market's Socket.IO room. A cached answer for the same " +
      'inputs makes no request (`cached: true`); without OPENAI_API_KEYS the opinion is `unavailable` (`no-key`).',
  })
  @ApiOkResponse({ type: LlmAnalyzeResponseDto, description: 'the result with its opinion, and the opinion' })
  @ApiErrors(404)
  analyze(
    @Param() params: MarketParamsDto,
    @Query() query: LatestQueryDto,
  ): Promise<{ result: Record<string, unknown>; llm: LlmOpinion }> {
    return this.requests.opinionOfLatest(params.exchange, params.symbol, query.timeframe);
  }

  @Get('costs')
  @Endpoint('llmCosts')
  @ApiOperation({ summary: 'What the LLM cost, by UTC day and model, and the daily budget' })
  @ApiOkResponse({ type: LlmCostsResponseDto, description: 'the ledger of the days asked, summed' })
  @ApiErrors(503)
  costs(@Query() query: LlmCostsQueryDto): Promise<CostReport> {
    return this.requests.costs(query);
  }
}
