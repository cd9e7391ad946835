import type { ThrottlerStorage } from '@nestjs/throttler';
import type { ThrottlerRecord } from './redis-throttler-storage.js';

interface Window {
  hits: number;
  expiresAt: number;
  blockedUntil: number;
}

const seconds = (ms: number): number => Math.max(0, Math.ceil(ms / 1000));

/**
 * The throttler's storage for a single gateway: the same fixed window with blocking as the Redis
 * script (RedisThrottlerStorage), in O(1) per request. @nestjs/throttler's own memory storage keeps
 * every hit's expiry and filters them on each request, which costs O(limit) per request (too slow
 * at thousands of requests a second under a generous limit). Expired windows are swept every
 * `sweepEvery` calls, without a timer.
 */
export class MemoryThrottlerStorage implements ThrottlerStorage {
  readonly #windows = new Map<string, Window>();
  #calls = 0;

  constructor(
    private readonly now: () => number,
    private readonly sweepEvery = 10_000,
  ) {}

  get size(): number {
    return this.#windows.size;
  }

  increment(
    key: string,
    ttl: number,
    limit: number,
    blockDuration: number,
    throttlerName: string,
  ): Promise<ThrottlerRecord> {
    const now = this.now();
    if (++this.#calls >= this.sweepEvery) this.#sweep(now);
    const id = `${throttlerName}:${key}`;
    let window = this.#windows.get(id);
    if (window !== undefined && window.blockedUntil > now)
      return Promise.resolve({
        totalHits: window.hits,
        timeToExpire: seconds(window.expiresAt - now),
        isBlocked: true,
        timeToBlockExpire: seconds(window.blockedUntil - now),
      });
    if (window === undefined || window.expiresAt <= now) {
      window = { hits: 0, expiresAt: now + ttl, blockedUntil: 0 };
      this.#windows.set(id, window);
    }
    window.hits += 1;
    const blocked = window.hits > limit;
    if (blocked) window.blockedUntil = now + blockDuration;
    return Promise.resolve({
      totalHits: window.hits,
      timeToExpire: seconds(window.expiresAt - now),
      isBlocked: blocked,
      timeToBlockExpire: blocked ? seconds(blockDuration) : 0,
    });
  }

  #sweep(now: number): void {
    this.#calls = 0;
    for (const [id, window] of this.#windows)
      if (window.expiresAt <= now && window.blockedUntil <= now) this.#windows.delete(id);
  }
}
