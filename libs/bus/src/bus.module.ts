import { Logger, Module } from '@nestjs/common';
import { AppConfig, Environment, RuntimeSettings } from '@app/config';
import { EventBus } from '@app/contracts';
import { BusConnections } from './bus-connections.js';
import { InProcessEventBus } from './in-process-bus.js';
import { MarketCoordination } from './market-coordination.js';
import { RedisEventBus } from './redis/redis-event-bus.js';
import { RedisKeys } from './redis/redis-keys.js';

/**
 * Provides the EventBus: in-process in local mode, Redis in distributed mode (REDIS_URL); and the
 * market log and leases distributed workers coordinate through (MarketCoordination), on the same
 * connections. A static module, so the apps local mode hosts in one process share one bus instance.
 */
@Module({
  providers: [
    {
      provide: BusConnections,
      inject: [RuntimeSettings, Environment, AppConfig],
      useFactory: (runtime: RuntimeSettings, environment: Environment, app: AppConfig) =>
        new BusConnections(
          runtime.bus === 'redis' ? (environment.redisUrl ?? null) : null,
          new RedisKeys(app.bus.keyPrefix),
          app.bus.streamMaxLength,
        ),
    },
    {
      provide: MarketCoordination,
      inject: [BusConnections],
      useFactory: (connections: BusConnections) => new MarketCoordination(connections),
    },
    {
      provide: EventBus,
      inject: [BusConnections],
      useFactory: (connections: BusConnections): EventBus => {
        const logger = new Logger('bus');
        if (!connections.enabled) return new InProcessEventBus(logger);
        return new RedisEventBus({
          publisher: connections.commands(),
          subscriber: connections.open('subscriber'),
          keys: connections.keys,
          streamMaxLength: connections.streamMaxLength,
          logger,
        });
      },
    },
  ],
  exports: [EventBus, BusConnections, MarketCoordination],
})
export class BusModule {}
