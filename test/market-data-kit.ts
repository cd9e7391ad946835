import type { INestApplication } from '@nestjs/common';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { Test, type TestingModule } from '@nestjs/testing';
import type { ConfluenceConfig } from '@app/config';
import { type Clock, createCcxtMarketClient, type ExchangeSettings } from '@app/market';
import { serviceRootModule } from '@app/platform';
import { marketDataService } from '../apps/market-data/src/market-data.definition.js';
import { MarketDataRuntime } from '../apps/market-data/src/market-data.service.js';

/**
 * market-data alone, on `clock`, its ccxt clients unpaced (the loopback fake needs no pacing;
 * production keeps ccxt's per-exchange rate limit); compiled, not yet initialised, quiet.
 */
export async function marketDataApp(
  config: ConfluenceConfig,
  clock: Clock,
): Promise<{ moduleRef: TestingModule; app: INestApplication }> {
  const moduleRef = await Test.createTestingModule({
    imports: [serviceRootModule(config, marketDataService)],
  })
    .overrideProvider(MarketDataRuntime)
    .useValue({
      clock,
      createClient: (settings: ExchangeSettings) =>
        createCcxtMarketClient({ config: settings, clock, rateLimitMs: 1 }),
    })
    .compile();
  const app = moduleRef.createNestApplication(new FastifyAdapter());
  app.useLogger(false);
  return { moduleRef, app };
}
