import { Controller, Get, HttpCode, Post, Query } from '@nestjs/common';
import { ApiBody, ApiOkResponse, ApiOperation, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { IsOptional, Matches } from 'class-validator';
import { WeightsConfig } from '@app/config';
import { WeightManager, type WeightSet } from '@app/confluence';
import {
  candleBodyBounds,
  INDICATOR_CANDLES,
  IndicatorsRequestDto,
  normalizeSymbol,
  SignalsQueryDto,
  SYMBOL_PATTERN,
} from '@app/contracts/dto';
import { MarketBoard, OnDemandAnalysis, ResultQueries, type StreamView } from '@app/gateway';
import type { SignalChange } from '@app/persistence';
import { CandleBody } from '../http/candle-body.pipe.js';
import { Endpoint } from '../http/guards.js';
import {
  IndicatorsResponseDto,
  MarketsResponseDto,
  SignalsResponseDto,
  WeightsResponseDto,
} from './response-dtos.js';

export class WeightsQueryDto {
  @ApiPropertyOptional({ example: 'BTC/USDT', description: 'the weights of one symbol (with its overrides)' })
  @IsOptional()
  @Matches(SYMBOL_PATTERN, { message: 'must be a symbol like BTC/USDT (or BTC-USDT)' })
  readonly symbol?: string;
}

@ApiTags('markets')
@Controller('v1')
export class CatalogController {
  constructor(
    private readonly board: MarketBoard,
    private readonly queries: ResultQueries,
    private readonly onDemand: OnDemandAnalysis,
    private readonly weightManager: WeightManager,
    private readonly weightsConfig: WeightsConfig,
  ) {}

  @Get('markets')
  @Endpoint('markets')
  @ApiOperation({ summary: 'Tracked market streams and their data status' })
  @ApiOkResponse({
    type: MarketsResponseDto,
    description: 'status: waiting | warming-up | warm | stale; source: live | replay',
  })
  markets(): { markets: StreamView[] } {
    return { markets: this.board.list() };
  }

  @Get('signals')
  @Endpoint('signals')
  @ApiOperation({ summary: 'Signal history: label changes, newest first' })
  @ApiOkResponse({ type: SignalsResponseDto, description: 'label changes, newest first' })
  async signalHistory(@Query() query: SignalsQueryDto): Promise<{ items: SignalChange[] }> {
    return { items: await this.queries.signalHistory(query) };
  }

  @Get('weights')
  @Endpoint('weights')
  @ApiOperation({ summary: 'Effective weights and thresholds (normalised), globally or for a symbol' })
  @ApiOkResponse({
    type: WeightsResponseDto,
    description: 'normalised weights, and the symbols with overrides',
  })
  weights(@Query() query: WeightsQueryDto): {
    symbol: string | null;
    weights: WeightSet;
    overrides: string[];
  } {
    const symbol = query.symbol === undefined ? null : normalizeSymbol(query.symbol);
    return {
      symbol,
      weights: this.weightManager.forSymbol(symbol ?? undefined),
      overrides: Object.keys(this.weightsConfig.overrides).sort(),
    };
  }

  @Post('indicators')
  @HttpCode(200)
  @Endpoint('indicators', { json: true, arrays: candleBodyBounds(INDICATOR_CANDLES) })
  @ApiOperation({ summary: "Indicator series over the client's candles (the CLI's names)" })
  @ApiOkResponse({
    type: IndicatorsResponseDto,
    description: 'one series per indicator output, as long as the candles',
  })
  @ApiBody({ type: IndicatorsRequestDto })
  indicators(
    @CandleBody(INDICATOR_CANDLES) body: IndicatorsRequestDto,
  ): ReturnType<OnDemandAnalysis['indicators']> {
    return this.onDemand.indicators(body.candles);
  }
}
