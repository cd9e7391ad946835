import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Candle, Timeframe } from '@app/contracts';
import { CandlesQueryDto, MarketParamsDto } from '@app/contracts/dto';
import { CandleQueries, ResultQueries } from '@app/gateway';
import { Endpoint } from '../http/guards.js';
import { ApiErrors } from './api-errors.js';
import { CandlesResponseDto } from './response-dtos.js';

/** The candles the service stored for a tracked market: what a chart draws under its scores. */
@ApiTags('markets')
@Controller('v1/candles')
export class CandlesController {
  constructor(
    private readonly queries: ResultQueries,
    private readonly candles: CandleQueries,
  ) {}

  @Get(':exchange/:symbol')
  @Endpoint('candles')
  @ApiOperation({
    summary: 'Stored closed candles of a market: the newest `limit` in [from, to], oldest first',
  })
  @ApiOkResponse({
    type: CandlesResponseDto,
    description: 'candles oldest first, in the shape POST analyze takes',
  })
  @ApiErrors(404)
  async candlesOf(
    @Param() params: MarketParamsDto,
    @Query() query: CandlesQueryDto,
  ): Promise<{ exchange: string; symbol: string; timeframe: Timeframe; candles: Candle[] }> {
    const stream = await this.queries.stream(params.exchange, params.symbol, query.timeframe);
    return { ...stream, candles: await this.candles.range(stream, query) };
  }
}
