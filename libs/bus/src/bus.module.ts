import { Logger, Module } from '@nestjs/common';
import { RuntimeSettings } from '@app/config';
import { EventBus } from '@app/contracts';
import { InProcessEventBus } from './in-process-bus.js';

/**
 * Provides the EventBus. A static module, so the apps local mode hosts in one process share one
 * bus instance. Distributed mode's Redis bus arrives with issue #6; until then a process that
 * asks for it gets the in-process bus and a warning at boot, so nothing pretends to cross processes.
 */
@Module({
  providers: [
    {
      provide: EventBus,
      inject: [RuntimeSettings],
      useFactory: (runtime: RuntimeSettings): EventBus => {
        const logger = new Logger('bus');
        if (runtime.bus === 'redis')
          logger.warn('the Redis bus is not built yet (issue #6): events stay inside this process');
        return new InProcessEventBus(logger);
      },
    },
  ],
  exports: [EventBus],
})
export class BusModule {}
