import type { Provider } from '@nestjs/common';
import { BusHealthIndicator, RedisHealthIndicator } from '@app/bus';
import { MarketFreshnessHealthIndicator } from '@app/gateway';
import { LlmHealthIndicator } from '@app/llm';
import { StoreHealthIndicator, StoreWritesHealthIndicator } from '@app/persistence';
import { ReadinessChecks, readinessController } from '@app/platform';
import { GatewayRedis } from './gateway-redis.js';

/**
 * The gateway's `GET /health/ready` (the shared readiness controller of libs/platform): `ok`,
 * `degraded` (reads work; live data, shared limits or writes are impaired, or the store is busy:
 * 200, stay in rotation) or `down` (the store is not connected or refuses: 503). In local mode it
 * is the process's one readiness route; the store, write path and bus it checks are the ones the
 * hosted worker and market-data use too (shared static modules), and market-data's freshness is
 * the `marketData` check. The `llm` check is never `down`: opinions are advisory (a spent budget
 * or keys that all fail are `degraded`; no key is `up`, with `state: off`).
 */
export const ReadinessController = readinessController({ downWhen: 'the store does not answer' });

/**
 * What the gateway's readiness checks, in order: the store (a ping, slow past monitoring's
 * `storeSlowMs`), its write buffer, the gateway's own Redis when configured (rate limits, Socket.IO
 * adapter), the bus, market-data freshness per exchange from the closed candles on the bus, and
 * the LLM (its keys and the day's budget).
 */
export const readinessProviders: readonly Provider[] = [
  StoreHealthIndicator,
  StoreWritesHealthIndicator,
  RedisHealthIndicator,
  BusHealthIndicator,
  MarketFreshnessHealthIndicator,
  LlmHealthIndicator,
  {
    provide: ReadinessChecks,
    inject: [
      StoreHealthIndicator,
      StoreWritesHealthIndicator,
      RedisHealthIndicator,
      GatewayRedis,
      BusHealthIndicator,
      MarketFreshnessHealthIndicator,
      LlmHealthIndicator,
    ],
    useFactory: (
      store: StoreHealthIndicator,
      writes: StoreWritesHealthIndicator,
      redis: RedisHealthIndicator,
      gatewayRedis: GatewayRedis,
      bus: BusHealthIndicator,
      marketData: MarketFreshnessHealthIndicator,
      llm: LlmHealthIndicator,
    ) =>
      new ReadinessChecks([
        () => store.isHealthy('store'),
        () => writes.isHealthy('writes'),
        ...(gatewayRedis.enabled ? [() => redis.isHealthy('redis', gatewayRedis)] : []),
        () => bus.isHealthy('bus'),
        () => marketData.isHealthy('marketData'),
        () => llm.isHealthy('llm'),
      ]),
  },
];
