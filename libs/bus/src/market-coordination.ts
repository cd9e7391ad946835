import type { MarketEventLog } from '@app/contracts';
import type { BusConnections } from './bus-connections.js';
import { MarketLeases, type MarketLeasesOptions } from './redis/market-leases.js';
import { RedisMarketLog } from './redis/redis-market-log.js';

/**
 * What distributed workers coordinate through, built on the Redis connections BusModule owns:
 * each market's event log, and leases that split the markets between workers. In local mode
 * (`enabled` false) there is nothing to coordinate and both refuse.
 */
export class MarketCoordination {
  constructor(private readonly connections: BusConnections) {}

  get enabled(): boolean {
    return this.connections.enabled;
  }

  /** The market log, read through a blocking connection of its own. */
  log(): MarketEventLog {
    this.#require('a market log');
    const { connections } = this;
    return new RedisMarketLog({
      commands: connections.commands(),
      reader: connections.open('log-reader'),
      keys: connections.keys,
    });
  }

  /** One worker's leases on `markets` (the same list in every worker). */
  leases(options: Omit<MarketLeasesOptions, 'redis' | 'subscriber' | 'prefix'>): MarketLeases {
    this.#require('market leases');
    return new MarketLeases({
      ...options,
      redis: this.connections.commands(),
      // Its own connection: a subscribed one serves nothing else.
      subscriber: this.connections.open('leases'),
      prefix: this.connections.keys.prefix,
    });
  }

  #require(what: string): void {
    if (!this.connections.enabled) throw new Error(`${what} needs Redis (REDIS_URL): local mode has none`);
  }
}
