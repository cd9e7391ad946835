import 'reflect-metadata';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, Max, Min } from 'class-validator';
import { DELIVERY_STATUSES, type DeliveryStatus } from '../alert-delivery.js';

/** The most deliveries one GET /v1/alerts answers. */
export const MAX_ALERTS_PAGE = 1000;
export const DEFAULT_ALERTS_PAGE = 50;

/** GET /v1/alerts: the newest deliveries, optionally only those in one status. */
export class AlertsQueryDto {
  @ApiPropertyOptional({ minimum: 1, maximum: MAX_ALERTS_PAGE, default: DEFAULT_ALERTS_PAGE })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(MAX_ALERTS_PAGE)
  readonly limit?: number;
  @ApiPropertyOptional({ enum: DELIVERY_STATUSES, description: 'only deliveries now in this status' })
  @IsOptional()
  @IsIn(DELIVERY_STATUSES)
  readonly status?: DeliveryStatus;
}
