import { type MarketRef, marketId } from '@app/contracts';
import type { Redis } from 'ioredis';

/**
 * The Redis side of market leases: the Lua scripts (each checks the holder, so a worker can only
 * renew or release its own lease), the key names and the membership's grace. MarketLeases runs
 * them; RedisMarketLog fences commits on the same lease key.
 */

/** Lua: 1 and PEXPIRE ARGV[2] ms when KEYS[1] holds ARGV[1] (the owner), else 0. Usable as a fence. */
export const LEASE_RENEW_SCRIPT = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1`;

/** Lua: deletes KEYS[1] only if it holds ARGV[1] (never someone else's lease); 1 if deleted. */
export const LEASE_RELEASE_SCRIPT = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
return redis.call('DEL', KEYS[1])`;

/**
 * Lua: SET NX PX; failing that, adopt the lease if it is already ours (an acquire whose reply
 * timed out), so it does not sit unused until it expires.
 */
export const LEASE_ACQUIRE_SCRIPT = `
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return 1 end
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1`;

/**
 * Lua: membership heartbeat. Expiry scores come from Redis' own clock (TIME), so worker clocks do
 * not matter; expired members are dropped and the live ones returned. The set itself expires
 * once every member would have.
 */
export const HEARTBEAT_SCRIPT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local ttl = tonumber(ARGV[2])
redis.call('ZADD', KEYS[1], now + ttl, ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. now)
if redis.call('PTTL', KEYS[1]) < ttl then redis.call('PEXPIRE', KEYS[1], ttl) end
return redis.call('ZRANGE', KEYS[1], 0, -1)`;

/**
 * How many lease TTLs a member stays in the membership after its last heartbeat. Longer than a
 * lease on purpose: a worker stalled past its TTL (a long GC, a starved CPU) loses its leases, and
 * if it also dropped out of the membership at once, the others would take its markets only to
 * hand them back when it woke: every market changing owner twice, the storm seen under load.
 * With the grace, its leases lapse, nobody else is meant to hold them, and it takes them back
 * itself. The price: a crashed worker's markets move after about two TTLs instead of one.
 */
export const MEMBERSHIP_TTLS = 2;

export function leaseKey(prefix: string, market: MarketRef): string {
  return `${prefix}:lease:${marketId(market)}`;
}

export function workersKey(prefix: string): string {
  return `${prefix}:workers`;
}

/** Where a worker says the membership changed (it joined, left, or handed markets over): the id. */
export function membershipChannel(prefix: string): string {
  return `${prefix}:workers:changed`;
}

/** Renews `owner`'s lease on `key`; false when the key is gone or someone else holds it. */
export async function renewLease(redis: Redis, key: string, owner: string, ttlMs: number): Promise<boolean> {
  return (await redis.eval(LEASE_RENEW_SCRIPT, 1, key, owner, ttlMs)) === 1;
}

/** Deletes `owner`'s lease on `key`; false when it was not (or no longer) `owner`'s. */
export async function releaseLease(redis: Redis, key: string, owner: string): Promise<boolean> {
  return (await redis.eval(LEASE_RELEASE_SCRIPT, 1, key, owner)) === 1;
}
