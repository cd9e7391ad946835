import type { ThrottlerStorage } from '@nestjs/throttler';
import type { Redis } from 'ioredis';
import { errorMessage } from '@app/contracts';

/** What the throttler guard reads back from its storage. */
export interface ThrottlerRecord {
  totalHits: number;
  timeToExpire: number;
  isBlocked: boolean;
  timeToBlockExpire: number;
}

/**
 * One atomic step of a fixed-window counter with blocking: count the hit (the window starts on the
 * first), and once past the limit block for `blockDuration`. Times are milliseconds; the answers
 * are in seconds, as @nestjs/throttler's own memory storage gives them.
 * KEYS[1] hits, KEYS[2] block; ARGV ttl, limit, blockDuration.
 */
const INCREMENT_SCRIPT = `
local ttl = tonumber(ARGV[1])
local limit = tonumber(ARGV[2])
local block = tonumber(ARGV[3])
local blockedFor = redis.call('PTTL', KEYS[2])
if blockedFor > 0 then
  local hits = tonumber(redis.call('GET', KEYS[1]) or '0')
  return {hits, redis.call('PTTL', KEYS[1]), 1, blockedFor}
end
local hits = redis.call('INCR', KEYS[1])
if hits == 1 then redis.call('PEXPIRE', KEYS[1], ttl) end
local expires = redis.call('PTTL', KEYS[1])
if expires < 0 then
  redis.call('PEXPIRE', KEYS[1], ttl)
  expires = ttl
end
if hits > limit then
  redis.call('SET', KEYS[2], '1', 'PX', block)
  return {hits, expires, 1, block}
end
return {hits, expires, 0, 0}
`;

/** Where the throttler counts while Redis cannot (MemoryThrottlerStorage), and what it tells the logs. */
export interface ThrottlerFallback {
  readonly storage: ThrottlerStorage;
  readonly logger: { warn(message: string): void; log(message: string): void };
  /** How long a request waits for Redis before it is counted locally instead. */
  readonly timeoutMs: number;
}

/**
 * @nestjs/throttler's storage on Redis, so every gateway replica counts the same hits. Written
 * here (one Lua script) because the community Redis storage does not support Nest 12.
 *
 * While Redis is unreachable (not connected, a failed command, or no answer within `timeoutMs`)
 * each replica counts in its own memory: requests keep being served and limited, per replica,
 * instead of waiting out the client's reconnect attempts and answering 500. Counting goes back to
 * Redis as soon as it answers again; both changes are logged once.
 */
export class RedisThrottlerStorage implements ThrottlerStorage {
  #local: string | null = null;

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly fallback: ThrottlerFallback | null = null,
  ) {}

  /** Why hits are counted locally now; null while they are counted in Redis. */
  get degraded(): string | null {
    return this.#local;
  }

  async increment(
    key: string,
    ttl: number,
    limit: number,
    blockDuration: number,
    throttlerName: string,
  ): Promise<ThrottlerRecord> {
    const fallback = this.fallback;
    if (fallback === null) return this.#shared(key, ttl, limit, blockDuration, throttlerName);
    const local = (why: string): Promise<ThrottlerRecord> => {
      if (this.#local === null)
        fallback.logger.warn(`rate limits counted per replica while Redis is unreachable: ${why}`);
      this.#local = why;
      return fallback.storage.increment(key, ttl, limit, blockDuration, throttlerName);
    };
    if (this.redis.status !== 'ready') return local(`connection ${this.redis.status}`);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        reject(new Error(`no answer within ${fallback.timeoutMs} ms`));
      }, fallback.timeoutMs);
    });
    try {
      const record = await Promise.race([
        this.#shared(key, ttl, limit, blockDuration, throttlerName),
        timeout,
      ]);
      if (this.#local !== null) fallback.logger.log('rate limits counted in Redis again');
      this.#local = null;
      return record;
    } catch (error) {
      return await local(errorMessage(error));
    } finally {
      clearTimeout(timer);
    }
  }

  async #shared(
    key: string,
    ttl: number,
    limit: number,
    blockDuration: number,
    throttlerName: string,
  ): Promise<ThrottlerRecord> {
    const base = `${this.prefix}:throttle:${throttlerName}:${key}`;
    const answer = (await this.redis.eval(
      INCREMENT_SCRIPT,
      2,
      `${base}:hits`,
      `${base}:block`,
      Math.max(1, Math.ceil(ttl)),
      limit,
      Math.max(1, Math.ceil(blockDuration)),
    )) as [number, number, number, number];
    const [totalHits, expiresMs, blocked, blockMs] = answer;
    return {
      totalHits,
      timeToExpire: Math.max(0, Math.ceil(expiresMs / 1000)),
      isBlocked: blocked === 1,
      timeToBlockExpire: Math.max(0, Math.ceil(blockMs / 1000)),
    };
  }
}
