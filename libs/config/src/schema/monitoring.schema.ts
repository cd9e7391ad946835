import { Type } from 'class-transformer';
import type { ConfigShape } from '../config.types.js';
import { IsArray, IsIn, IsInt, IsNumber, Matches, Max, Min, ValidateNested } from 'class-validator';
import { HasUniqueItems } from '../rules.js';
import { NOTIFICATIONS_DEFAULTS, NotificationsConfig } from './notifications.schema.js';

export class HealthThresholds {
  /** Market data counts as stale when its newest closed candle is older than this many intervals. */
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(1)
  @Max(100)
  readonly staleAfterIntervals!: number;
  /**
   * How long a store or bus check may take: a bus that does not answer in it is `degraded`, and
   * so is a connected store (busy); a store that is not connected or refuses is `down`.
   */
  @IsInt() @Min(10) @Max(60_000) readonly dependencyTimeoutMs!: number;
  /** A store ping slower than this (but answered) makes readiness `degraded`: the store is busy. */
  @IsInt() @Min(1) @Max(60_000) readonly storeSlowMs!: number;
  /** Analysis lag (candle closed → score published) above this makes readiness `degraded`. */
  @IsInt() @Min(10) @Max(3_600_000) readonly maxAnalysisLagMs!: number;
  /** Consecutive failures after which an exchange is `down` rather than `degraded`. */
  @IsInt() @Min(1) @Max(1000) readonly exchangeDownAfterFailures!: number;
}

export const ALERT_OPERATORS = ['>', '>=', '<', '<=', '==', '!='] as const;

/** A Prometheus-style alert rule: fire when `metric operator threshold` holds for `forSeconds`. */
export class AlertRule {
  @Matches(/^[a-z][a-z0-9-]{0,62}$/, { message: 'must be lowercase kebab-case, such as market-data-stale' })
  readonly name!: string;
  @Matches(/^[a-zA-Z_:][a-zA-Z0-9_:]*$/, { message: 'must be a Prometheus metric name' })
  readonly metric!: string;
  @IsIn(ALERT_OPERATORS) readonly operator!: (typeof ALERT_OPERATORS)[number];
  @IsNumber({ allowNaN: false, allowInfinity: false }) readonly threshold!: number;
  @IsInt() @Min(0) @Max(86_400) readonly forSeconds!: number;
  @IsIn(['info', 'warning', 'critical']) readonly severity!: 'info' | 'warning' | 'critical';
}

export class MonitoringConfig {
  @ValidateNested() @Type(() => HealthThresholds) readonly health!: HealthThresholds;
  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => AlertRule)
  @HasUniqueItems((item) => (item as Partial<AlertRule> | null)?.name)
  readonly alerts!: readonly AlertRule[];
  /** The gateway's own alerts, sent to webhooks and chats (not Prometheus rules): README, "Alerts". */
  @ValidateNested() @Type(() => NotificationsConfig) readonly notifications!: NotificationsConfig;
}

export const MONITORING_DEFAULTS: ConfigShape<MonitoringConfig> = {
  health: {
    staleAfterIntervals: 3,
    dependencyTimeoutMs: 2_000,
    storeSlowMs: 500,
    maxAnalysisLagMs: 5_000,
    exchangeDownAfterFailures: 5,
  },
  alerts: [],
  notifications: NOTIFICATIONS_DEFAULTS,
};
