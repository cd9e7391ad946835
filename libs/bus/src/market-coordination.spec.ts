import { describe, expect, it } from '@jest/globals';
// By path: the @app/testing barrel loads much more than this one helper.
import { eventually } from '../../testing/src/eventually.js';
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
      // Running, it holds the market under the bus's key prefix.
      leases.start();
      await eventually(() => leases.owned().length === 1, 'the lease to be taken');
      const keys = await connections.commands().keys('test-coordination:*');
      expect(keys.sort()).toEqual(
        expect.arrayContaining([expect.stringMatching(/^test-coordination:lease:/)]),
      );
      await leases.stop({ release: true });
      expect(await connections.commands().keys('test-coordination:lease:*')).toEqual([]);
    } finally {
      await connections.onApplicationShutdown();
    }
  });
});
