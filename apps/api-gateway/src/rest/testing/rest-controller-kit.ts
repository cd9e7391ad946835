import type { Provider, Type } from '@nestjs/common';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { ThrottlerModule } from '@nestjs/throttler';
import { AppConfig, type ConfluenceConfig } from '@app/config';
import { AccessPolicy, ApiKeyRing, GatewayMetrics, MarketBoard, MemoryThrottlerStorage } from '@app/gateway';
import { type FastifyTestApp, ManualClock, type RecordingLogger, startFastifyApp } from '@app/testing';
import { installRestEdge } from '../../api-gateway.setup.js';
import { throttlerOptions } from '../../http/guards.js';

/**
 * A REST controller as production runs it, over the providers a spec gives (fakes of the
 * libs/gateway services): its real guards (throttler with app.yaml's limits, API keys from
 * `config`, JSON bodies) and what every answer depends on (installRestEdge: request context,
 * compressed bodies, the error filter, the validation pipe), on Fastify, initialised.
 */
export async function startRestController(options: {
  readonly config: ConfluenceConfig;
  readonly controller: Type;
  readonly providers: readonly Provider[];
  readonly logger: RecordingLogger;
}): Promise<FastifyTestApp> {
  const { config } = options;
  // Rate-limit windows on a clock that never moves: no count expires in the middle of a test.
  const clock = new ManualClock(Date.UTC(2024, 0, 1));
  const moduleRef = await Test.createTestingModule({
    imports: [
      ThrottlerModule.forRoot(throttlerOptions(config.app, new MemoryThrottlerStorage(() => clock.now()))),
    ],
    controllers: [options.controller],
    providers: [
      ...options.providers,
      { provide: AppConfig, useValue: config.app },
      { provide: ApiKeyRing, useValue: new ApiKeyRing(config.environment.apiKeyHashes) },
      { provide: AccessPolicy, useValue: AccessPolicy.of(config) },
      {
        provide: GatewayMetrics,
        useValue: new GatewayMetrics(
          {
            board: new MarketBoard([], 3, () => clock.now()),
            sockets: () => ({ connections: 0, subscriptions: 0, rooms: 0 }),
            writes: () => ({ pending: 0, written: 0, dropped: 0, rejected: 0 }),
            now: () => clock.now(),
          },
          { processMetrics: false },
        ),
      },
    ],
  }).compile();
  return startFastifyApp(moduleRef, new FastifyAdapter({ logger: false }), {
    configure: installRestEdge,
    logger: options.logger,
  });
}
