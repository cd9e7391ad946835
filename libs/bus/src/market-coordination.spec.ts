import { describe, expect, it } from '@jest/globals';
import { BusConnections } from './bus-connections.js';
import { MarketCoordination } from './market-coordination.js';
import { MarketLeases } from './redis/market-leases.js';
import { RedisKeys } from './redis/redis-keys.js';
import { RedisMarketLog } from './redis/redis-market-log.js';

describe('MarketCoordination', () => {
  it('refuses in local mode, naming what needs Redis', () => {
    const local = new MarketCoordination(new BusConnections(null, new RedisKeys('test'), 1_000));
    expect(local.enabled).toBe(false);
    expect(() => local.log()).toThrow('a market log needs Redis (REDIS_URL): local mode has none');
    expect(() =>
      local.leases({
        workerId: 'w',
        markets: [],
        ttlMs: 1_000,
        logger: console,
        onAcquired: () => undefined,
        onLost: () => undefined,
      }),
    ).toThrow('market leases needs Redis');
  });

  it('builds the log and leases on the bus connections, under the bus key prefix', async () => {
    const connections = new BusConnections(
      'redis://127.0.0.1:6379',
      new RedisKeys('test-coordination'),
      1_000,
    );
    const coordination = new MarketCoordination(connections);
    try {
      expect(coordination.enabled).toBe(true);
      expect(coordination.log()).toBeInstanceOf(RedisMarketLog);
      const leases = coordination.leases({
        workerId: 'w1',
        markets: [{ exchange: 'binance', symbol: 'BTC/USDT' }],
        ttlMs: 1_000,
        logger: { log: () => undefined, warn: () => undefined, error: () => undefined },
        onAcquired: () => undefined,
        onLost: () => undefined,
      });
      expect(leases).toBeInstanceOf(MarketLeases);
      expect(leases.owned()).toEqual([]);
    } finally {
      await connections.onApplicationShutdown();
    }
  });
});
