import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';

/**
 * The Redis side of the shared LLM limiter: its keys and its two Lua scripts. Both read Redis'
 * own clock (TIME), so the processes' clocks never have to agree; every key expires by itself,
 * so a deployment that dies leaves nothing behind.
 */

/** Where the limiter keeps its state, under the bus' key prefix (`bus.keyPrefix`). */
export interface LlmLimiterKeys {
  /** String: the earliest start (ms, Redis time) of the next slot. */
  readonly nextSlot: string;
  /** Sorted set: one member per permit held, scored by when the hold lapses (ms, Redis time). */
  readonly inFlight: string;
}

export function llmLimiterKeys(prefix: string): LlmLimiterKeys {
  return { nextSlot: `${prefix}:llm:next-slot`, inFlight: `${prefix}:llm:in-flight` };
}

/** Redis TIME in milliseconds; a local in both scripts. */
const NOW_MS = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)`;

/**
 * Lua: take a concurrency place. KEYS[1] in-flight set; ARGV holder id, maxConcurrent, holdTtlMs.
 * Drops lapsed holds (a crashed holder's), then adds the holder if fewer than the maximum remain.
 * Returns 1 when taken, 0 when full. The set expires when its newest hold would.
 */
const TAKE_PLACE = `${NOW_MS}
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then return 0 end
local ttl = tonumber(ARGV[3])
redis.call('ZADD', KEYS[1], now + ttl, ARGV[1])
redis.call('PEXPIRE', KEYS[1], ttl)
return 1`;

/**
 * Lua: reserve the next slot. KEYS[1] next-slot; ARGV minSpacingMs, the longest wait the caller
 * accepts (ms). slot = max(now, next); when slot − now is within the wait, next becomes
 * slot + spacing (expiring then: after that, `now` is the answer anyway). Returns
 * {1, slot, now} when reserved, {0, slot, now} when refused (nothing changes).
 */
const TAKE_SLOT = `${NOW_MS}
local spacing = tonumber(ARGV[1])
local slot = math.max(now, tonumber(redis.call('GET', KEYS[1]) or '0'))
if slot - now > tonumber(ARGV[2]) then return {0, slot, now} end
if spacing > 0 then
  redis.call('SET', KEYS[1], string.format('%d', slot + spacing), 'PX', slot + spacing - now)
end
return {1, slot, now}`;

interface LuaScript {
  readonly text: string;
  readonly sha: string;
}

const lua = (text: string): LuaScript => ({ text, sha: createHash('sha1').update(text).digest('hex') });
const TAKE_PLACE_SCRIPT = lua(TAKE_PLACE);
const TAKE_SLOT_SCRIPT = lua(TAKE_SLOT);

/** Whether `holder` got a concurrency place. */
export async function takePlace(
  redis: Redis,
  keys: LlmLimiterKeys,
  holder: string,
  maxConcurrent: number,
  holdTtlMs: number,
): Promise<boolean> {
  const answer = await runScript(redis, TAKE_PLACE_SCRIPT, keys.inFlight, holder, maxConcurrent, holdTtlMs);
  return answer === 1;
}

export interface SlotAnswer {
  readonly reserved: boolean;
  /** The slot's start (ms, Redis time); when not reserved, the one the caller would have had. */
  readonly slot: number;
  /** Redis time when the script ran. */
  readonly now: number;
}

export async function takeSlot(
  redis: Redis,
  keys: LlmLimiterKeys,
  minSpacingMs: number,
  acceptWaitMs: number,
): Promise<SlotAnswer> {
  const answer = await runScript(
    redis,
    TAKE_SLOT_SCRIPT,
    keys.nextSlot,
    Math.ceil(minSpacingMs),
    Math.max(0, Math.floor(acceptWaitMs)),
  );
  if (!Array.isArray(answer) || answer.length !== 3 || !answer.every((n) => typeof n === 'number'))
    throw new Error(`unexpected answer from the slot script: ${JSON.stringify(answer)}`);
  const [reserved, slot, now] = answer as [number, number, number];
  return { reserved: reserved === 1, slot, now };
}

/**
 * Runs a one-key script by its SHA-1 (EVALSHA), sending the text (EVAL) only when Redis does not
 * have it cached yet (after a restart or SCRIPT FLUSH), as RedisMarketLog does.
 */
async function runScript(
  redis: Redis,
  script: LuaScript,
  key: string,
  ...args: (string | number)[]
): Promise<unknown> {
  try {
    return await redis.evalsha(script.sha, 1, key, ...args);
  } catch (error) {
    if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
    return await redis.eval(script.text, 1, key, ...args);
  }
}
