import type { INestApplication } from '@nestjs/common';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { Test, type TestingModule } from '@nestjs/testing';
import type { ConfluenceConfig, ExchangeCredentials } from '@app/config';
import { Clock } from '@app/contracts';
import { createCcxtMarketClient, type ExchangeSettings, MarketClientFactory } from '@app/market';
import { serviceRootModule } from '@app/platform';
import { marketDataService } from '../apps/market-data/src/market-data.definition.js';

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
    .overrideProvider(Clock)
    .useValue(clock)
    .overrideProvider(MarketClientFactory)
    .useValue({
      create: (config: ExchangeSettings, credentials: ExchangeCredentials | undefined) =>
        createCcxtMarketClient({ config, clock, rateLimitMs: 1, ...(credentials && { credentials }) }),
    })
    .compile();
  const app = moduleRef.createNestApplication(new FastifyAdapter());
  app.useLogger(false);
  return { moduleRef, app };
}
