import { Controller, Get, HttpCode, HttpStatus, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation } from '@nestjs/swagger';
import type { MarketDataStatus } from '@app/market';
import { MarketDataService } from './market-data.service.js';

/**
 * market-data's status in detail: the source, and each exchange's status (ok / degraded / down),
 * last success, last error and per-market progress. 503 only when every exchange is down; a
 * degraded exchange still lets the others publish. (`/health/ready` gives the same verdict in the
 * shape every app answers.)
 */
/** The one thing used of Fastify's reply. */
interface StatusSetter {
  status(code: number): unknown;
}

@Controller('health')
export class MarketDataHealthController {
  constructor(private readonly service: MarketDataService) {}

  @Get('market-data')
  @ApiOperation({ summary: 'Market data: source, each exchange feed and the replay' })
  @ApiOkResponse({
    description: 'source (live | replay), status and freshness per exchange, replay progress',
    schema: {
      type: 'object',
      required: ['source', 'status', 'exchanges', 'replay'],
      properties: {
        source: { type: 'string', enum: ['live', 'replay'] },
        status: { type: 'string', enum: ['ok', 'degraded', 'down'] },
        exchanges: { type: 'array', items: { type: 'object', additionalProperties: true } },
        replay: { type: 'object', nullable: true, additionalProperties: true },
      },
    },
  })
  @HttpCode(HttpStatus.OK)
  status(@Res({ passthrough: true }) response: StatusSetter): MarketDataStatus {
    const status = this.service.status();
    if (status.status === 'down') response.status(HttpStatus.SERVICE_UNAVAILABLE);
    return status;
  }
}
