import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { PerformanceQueryDto } from '@app/contracts/dto';
import { ForwardValidation, type PerformanceReport } from '@app/gateway';
import { Endpoint } from '../http/guards.js';
import { ApiErrors } from './api-errors.js';
import { PerformanceResponseDto } from './performance-dtos.js';

/**
 * How well a market's score has predicted what the price did next, from the forward-validation
 * samples of its stored results (ADR 0019). The rules are ForwardValidation's (libs/gateway).
 */
@ApiTags('performance')
@Controller('v1/performance')
export class PerformanceController {
  constructor(private readonly validation: ForwardValidation) {}

  @Get()
  @Endpoint('performance')
  @ApiOperation({
    summary: 'How well the score predicted forward returns: IC, label hit rates, probability reliability',
    description:
      'Over the stored results of a stream in [from, to] (default: validation.yaml window.days back from the ' +
      'newest), per horizon in candles: the Spearman IC of the score and of each component against the forward ' +
      'log return ln(close[t+h] / close[t]) with a block-bootstrap interval and a circular-shift null, the ' +
      "labels' hit rates and mean returns, and the score → P(up) map's out-of-sample Brier score beside the " +
      "base rate's; where LLM opinions exist, the LLM's and the blended labels beside the engine's on the same " +
      'rows. Fewer than minIndependent non-overlapping returns: `sufficient: false` and every figure null.',
  })
  @ApiOkResponse({ type: PerformanceResponseDto, description: 'the window used and one report per horizon' })
  @ApiErrors(404)
  performance(@Query() query: PerformanceQueryDto): Promise<PerformanceReport> {
    return this.validation.performance(query);
  }
}
