import type { ThrottlerStorage } from '@nestjs/throttler';
import type { Redis } from 'ioredis';

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

/**
 * @nestjs/throttler's storage on Redis, so every gateway replica counts the same hits. Written
 * here (one Lua script) because the community Redis storage does not support Nest 12.
 */
export class RedisThrottlerStorage implements ThrottlerStorage {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  async increment(
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
