import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { type LlmLimiterKeys, llmLimiterKeys } from '../limiter-scripts.js';
import type { LlmLimits } from '../llm-rate-limiter.js';
import { RedisRateLimiter, type RedisRateLimiterOptions } from '../redis-rate-limiter.js';

/**
 * The real Redis at 127.0.0.1:6379 for the limiter specs: every test gets a key prefix of its
 * own and limiters on connections of their own (as separate processes would have), all closed
 * and deleted by `cleanup` (afterEach).
 */
export class RedisLimiterFixture {
  readonly #connections: Redis[] = [];
  #prefix = '';

  /** For assertions on the keys; open for the whole suite. */
  readonly admin = new Redis({ host: '127.0.0.1', port: 6379, maxRetriesPerRequest: 1 });

  /** Starts a test (beforeEach): a fresh prefix. */
  begin(): void {
    this.#prefix = `test-llm-limiter-${randomUUID()}`;
  }

  get prefix(): string {
    return this.#prefix;
  }

  get keys(): LlmLimiterKeys {
    return llmLimiterKeys(this.#prefix);
  }

  connect(): Redis {
    const connection = new Redis({ host: '127.0.0.1', port: 6379, maxRetriesPerRequest: 1 });
    this.#connections.push(connection);
    return connection;
  }

  /** A limiter on a connection of its own, under this test's prefix. */
  limiter(limits: Partial<LlmLimits> = {}, options: RedisRateLimiterOptions = {}): RedisRateLimiter {
    return new RedisRateLimiter(
      this.connect(),
      this.#prefix,
      { minSpacingMs: 0, maxConcurrent: 1, maxWaitMs: 10_000, ...limits },
      options,
    );
  }

  /** Redis TIME in ms, the limiter's clock. */
  async redisNow(): Promise<number> {
    const [seconds = 0, micros = 0] = (await this.admin.time()).map(Number);
    return seconds * 1_000 + Math.floor(micros / 1_000);
  }

  /** Holds in the in-flight set (lapsed ones too, until the next acquire drops them). */
  async holds(): Promise<{ holder: string; until: number }[]> {
    const flat = await this.admin.zrange(this.keys.inFlight, '0', '-1', 'WITHSCORES');
    const holds: { holder: string; until: number }[] = [];
    for (let i = 0; i + 1 < flat.length; i += 2)
      holds.push({ holder: flat[i] as string, until: Number(flat[i + 1]) });
    return holds;
  }

  /** Closes the test's connections and deletes its keys (afterEach). */
  async cleanup(): Promise<void> {
    await Promise.all(this.#connections.splice(0).map((connection) => connection.quit()));
    let cursor = '0';
    do {
      const [next, keys] = await this.admin.scan(cursor, 'MATCH', `${this.#prefix}:*`, 'COUNT', 100);
      if (keys.length > 0) await this.admin.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  }

  /** Closes the admin connection (afterAll). */
  async close(): Promise<void> {
    await this.admin.quit();
  }
}
