import { ApiProperty } from '@nestjs/swagger';
import { type AlertMarket, type DeliveryView } from '@app/alerts';
import {
  CHANNEL_TYPES,
  type ChannelType,
  NOTIFICATION_RULE_TYPES,
  type NotificationRuleType,
} from '@app/config';
import { DELIVERY_STATUSES, type DeliveryStatus, TIMEFRAMES, type Timeframe } from '@app/contracts';

/** GET /v1/alerts, as Swagger reads it (each class `implements` the type it documents). */

const ISO = { type: 'string', format: 'date-time' } as const;

export class AlertMarketDto implements AlertMarket {
  @ApiProperty({ example: 'binance' }) readonly exchange!: string;
  @ApiProperty({
    type: 'string',
    nullable: true,
    example: 'BTC/USDT',
    description: 'null: the whole exchange',
  })
  readonly symbol!: string | null;
  @ApiProperty({ enum: TIMEFRAMES, nullable: true, description: 'null: the whole exchange' })
  readonly timeframe!: Timeframe | null;
}

export class AlertDeliveryDto implements DeliveryView {
  @ApiProperty({ description: 'the same across retries (the webhook sends it as X-Confluence-Delivery)' })
  readonly id!: string;
  @ApiProperty({ example: 'ops-webhook', description: 'monitoring.yaml notifications.channels name' })
  readonly channel!: string;
  @ApiProperty({ enum: CHANNEL_TYPES }) readonly channelType!: ChannelType;
  @ApiProperty({ example: 'label-changes', description: 'monitoring.yaml notifications.rules name' })
  readonly rule!: string;
  @ApiProperty({ enum: NOTIFICATION_RULE_TYPES }) readonly ruleType!: NotificationRuleType;
  @ApiProperty({ type: AlertMarketDto }) readonly market!: AlertMarketDto;
  @ApiProperty({
    example: 'NEUTRAL→LONG',
    description: 'what the rule saw; the same rule, market and state within the dedupe window is deduped',
  })
  readonly state!: string;
  @ApiProperty({ example: 'binance BTC/USDT 1m: NEUTRAL → LONG (score 64.3)' }) readonly title!: string;
  @ApiProperty({
    enum: DELIVERY_STATUSES,
    description:
      'queued and retrying are on their way; delivered, failed, deduped, rate-limited and dropped are final',
  })
  readonly status!: DeliveryStatus;
  @ApiProperty({ type: 'integer', minimum: 0, description: 'attempts made (0: never sent)' })
  readonly attempts!: number;
  @ApiProperty({
    type: 'string',
    nullable: true,
    description:
      'why the last failed attempt failed (HTTP status and the start of its body, a timeout, a network error), secrets masked',
  })
  readonly lastError!: string | null;
  @ApiProperty({ ...ISO, description: 'when the rule fired' }) readonly firedAt!: string;
  @ApiProperty({ ...ISO, description: 'when the status last changed' }) readonly updatedAt!: string;
  @ApiProperty({ ...ISO, nullable: true, description: 'when a receiver accepted it (2xx)' })
  readonly deliveredAt!: string | null;
}

export class AlertsResponseDto {
  @ApiProperty({ description: 'monitoring.yaml notifications.enabled (false: no rule is evaluated)' })
  readonly enabled!: boolean;
  @ApiProperty({
    type: [AlertDeliveryDto],
    description:
      "this replica's deliveries since it started, newest first (at most notifications.historySize are kept)",
  })
  readonly deliveries!: AlertDeliveryDto[];
}
