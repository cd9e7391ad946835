import { Controller, Get, Header, UseGuards } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiResponse, ApiTags } from '@nestjs/swagger';
import { GatewayMetrics } from '@app/gateway';
import { ErrorBodyDto } from '../http/error-body.dto.js';
import { MetricsAccessGuard } from './metrics-access.guard.js';
import { METRICS_CONTENT_TYPE } from './metrics-listener.js';

@ApiTags('ops')
@Controller()
export class MetricsController {
  constructor(private readonly metrics: GatewayMetrics) {}

  @Get('metrics')
  @UseGuards(MetricsAccessGuard)
  @Header('Content-Type', METRICS_CONTENT_TYPE)
  @Header('Cache-Control', 'no-store')
  @ApiProduces('text/plain')
  @ApiOperation({
    summary:
      'Prometheus metrics (latency by route and status, sockets, results, lag, data age, dropped writes)',
  })
  @ApiOkResponse({ description: 'the Prometheus text exposition format', schema: { type: 'string' } })
  @ApiResponse({
    status: 401,
    type: ErrorBodyDto,
    description: 'app.yaml access.metricsRequireKey is true and no valid X-API-Key was sent',
  })
  @ApiResponse({
    status: 404,
    type: ErrorBodyDto,
    description: 'app.yaml http.metricsPort serves the metrics on a port of its own instead',
  })
  async scrape(): Promise<string> {
    return this.metrics.registry.metrics();
  }
}
