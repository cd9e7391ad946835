import { type BusEventName, type MarketRef, marketId } from '@app/contracts';
import { leaseKey } from './lease-scripts.js';

/** Every key and channel the Redis bus uses, under one prefix (several deployments can share a Redis). */
export class RedisKeys {
  constructor(readonly prefix: string) {}

  /** The durable, ordered log of one market's events. */
  stream(market: MarketRef): string {
    return `${this.prefix}:market:${marketId(market)}`;
  }

  /** The broadcast channel of one subject. */
  channel(name: BusEventName): string {
    return `${this.prefix}:event:${name}`;
  }

  /** The subject a channel carries, or null for a channel that is not ours. */
  subjectOf(channel: string): string | null {
    const head = `${this.prefix}:event:`;
    return channel.startsWith(head) ? channel.slice(head.length) : null;
  }

  /** The lease of a market (MarketLeases holds it; commits are fenced on it). */
  lease(market: MarketRef): string {
    return leaseKey(this.prefix, market);
  }

  publishedCheckpoint(market: MarketRef): string {
    return `${this.prefix}:checkpoint:published:${marketId(market)}`;
  }

  storedCheckpoint(market: MarketRef): string {
    return `${this.prefix}:checkpoint:stored:${marketId(market)}`;
  }
}
