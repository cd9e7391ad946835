import { Logger, type Provider } from '@nestjs/common';
import { AlertNotifier, RedisDedupe } from '@app/alerts';
import { AppConfig, Environment, MonitoringConfig } from '@app/config';
import { Clock } from '@app/contracts';
import { GatewayRedis } from '../ops/gateway-redis.js';
import { AlertsFeed } from './alerts-feed.service.js';

/**
 * The gateway's alerts: the notifier (rules, channels, deliveries; libs/alerts) and what feeds it.
 * With REDIS_URL set the dedupe window is shared by the replicas, so an alert they all hear is
 * sent once per window.
 */
export const alertsProviders: Provider[] = [
  {
    provide: AlertNotifier,
    inject: [MonitoringConfig, Environment, AppConfig, GatewayRedis, Clock],
    useFactory: (
      monitoring: MonitoringConfig,
      environment: Environment,
      app: AppConfig,
      redis: GatewayRedis,
      clock: Clock,
    ) =>
      new AlertNotifier(monitoring.notifications, {
        clock,
        logger: new Logger('alerts'),
        secretOf: (variable) => environment.notificationSecrets[variable],
        ...(redis.enabled ? { shared: new RedisDedupe(redis.commands(), app.bus.keyPrefix) } : {}),
      }),
  },
  AlertsFeed,
];
