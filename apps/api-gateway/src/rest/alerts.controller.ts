import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AlertNotifier, type DeliveryView } from '@app/alerts';
import { AlertsQueryDto, DEFAULT_ALERTS_PAGE } from '@app/contracts/dto';
import { Endpoint } from '../http/guards.js';
import { AlertsResponseDto } from './alerts-dtos.js';

/** The alert deliveries this gateway made lately (README, "Alerts"); the rules are AlertNotifier's. */
@ApiTags('alerts')
@Controller('v1/alerts')
export class AlertsController {
  constructor(private readonly notifier: AlertNotifier) {}

  @Get()
  @Endpoint('alerts')
  @ApiOperation({
    summary: 'Recent alert deliveries and their status',
    description:
      'What the rules of monitoring.yaml `notifications` fired and what became of each delivery: delivered, ' +
      'failed (attempts used up or refused), deduped, rate-limited, dropped (queue full or stopping), or still ' +
      'queued / retrying. Kept in memory by each gateway replica since it started (the newest ' +
      '`historySize`); /metrics counts every outcome for good.',
  })
  @ApiOkResponse({ type: AlertsResponseDto, description: 'newest first' })
  alerts(@Query() query: AlertsQueryDto): { enabled: boolean; deliveries: DeliveryView[] } {
    return {
      enabled: this.notifier.enabled,
      deliveries: this.notifier.deliveries({
        limit: query.limit ?? DEFAULT_ALERTS_PAGE,
        status: query.status,
      }),
    };
  }
}
