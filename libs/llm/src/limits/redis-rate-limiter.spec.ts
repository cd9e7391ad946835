import { afterAll, afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
// By path: the @app/testing barrel loads much more than these two helpers.
import { eventually } from '../../../testing/src/eventually.js';
import { freePort } from '../../../testing/src/spawned-process.js';
import { LlmLimiterBusyError, LlmLimiterUnavailableError, type LlmPermit } from './llm-rate-limiter.js';
import { RedisRateLimiter } from './redis-rate-limiter.js';
import { RedisLimiterFixture } from './testing/redis-limiter-fixture.js';

const redis = new RedisLimiterFixture();

beforeEach(() => {
  redis.begin();
});
afterEach(async () => {
  await redis.cleanup();
});
afterAll(async () => {
  await redis.close();
});

/** Consecutive differences of the sorted values. */
function gaps(values: readonly number[]): number[] {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.slice(1).map((value, i) => value - (sorted[i] as number));
}

/** Grants counted as they happen; `reached(n)` resolves once n have been granted. */
class GrantBoard {
  #granted = 0;
  readonly #waiters: { n: number; wake: () => void }[] = [];

  grant(): number {
    this.#granted += 1;
    for (const waiter of this.#waiters.filter((item) => item.n <= this.#granted)) {
      this.#waiters.splice(this.#waiters.indexOf(waiter), 1);
      waiter.wake();
    }
    return this.#granted - 1;
  }

  reached(n: number): Promise<void> {
    if (this.#granted >= n) return Promise.resolve();
    return new Promise((wake) => this.#waiters.push({ n, wake }));
  }
}

describe('RedisRateLimiter', () => {
  it('shares one slot sequence between limiters on separate connections, on Redis time', async () => {
    const spacing = 30;
    const a = redis.limiter({ minSpacingMs: spacing, maxConcurrent: 10 });
    const b = redis.limiter({ minSpacingMs: spacing, maxConcurrent: 10 });
    const before = await redis.redisNow();
    const slots: number[] = [];
    for (const limiter of [a, b, a, b, a, b]) {
      const permit = await limiter.acquire();
      slots.push(permit.slotAt);
      permit.release();
    }
    const after = await redis.redisNow();
    // Alternating callers, one sequence: each slot after the other's by at least the spacing.
    for (const gap of slots.slice(1).map((slot, i) => slot - (slots[i] as number)))
      expect(gap).toBeGreaterThanOrEqual(spacing);
    expect(slots[0]).toBeGreaterThanOrEqual(before);
    expect(slots[5]).toBeLessThanOrEqual(after);
  });

  it('keeps slots spaced when both limiters ask at once', async () => {
    const spacing = 25;
    const limiters = [redis.limiter({ minSpacingMs: spacing, maxConcurrent: 10 })];
    limiters.push(redis.limiter({ minSpacingMs: spacing, maxConcurrent: 10 }));
    const permits = await Promise.all(
      limiters.flatMap((limiter) => Array.from({ length: 5 }, () => limiter.acquire())),
    );
    const slots = permits.map((permit) => permit.slotAt);
    expect(new Set(slots).size).toBe(10);
    for (const gap of gaps(slots)) expect(gap).toBeGreaterThanOrEqual(spacing);
    for (const permit of permits) permit.release();
  });

  it('never has more than maxConcurrent permits out across both limiters, and fills every place', async () => {
    const max = 2;
    const tasks = 6;
    const limiters = [redis.limiter({ maxConcurrent: max }, { pollMs: 10 })];
    limiters.push(redis.limiter({ maxConcurrent: max }, { pollMs: 10 }));
    const board = new GrantBoard();
    let holding = 0;
    let peak = 0;
    await Promise.all(
      Array.from({ length: tasks }, async (_, i) => {
        const permit = await (limiters[i % 2] as RedisRateLimiter).acquire();
        holding += 1;
        peak = Math.max(peak, holding);
        // Held until its batch of `max` grants is complete, so a limiter that let fewer in would
        // hang here, and one that let more in would show a peak above `max`.
        const index = board.grant();
        await board.reached(Math.min(tasks, (Math.floor(index / max) + 1) * max));
        holding -= 1;
        permit.release();
      }),
    );
    expect(peak).toBe(max);
    await eventually(async () => (await redis.holds()).length === 0, 'every place given back');
  });

  it('lets the hold of a holder that never released lapse after holdTtlMs', async () => {
    const crashed = redis.limiter({ maxConcurrent: 2, maxWaitMs: 100 }, { holdTtlMs: 300 });
    await crashed.acquire();
    const [held] = await redis.holds();
    if (held === undefined) throw new Error('the crashed holder holds nothing');
    // A live holder keeps the set itself alive (its expiry follows the newest hold): only the
    // crashed hold's own score can let the next caller in.
    const live = redis.limiter({ maxConcurrent: 2 }, { holdTtlMs: 60_000 });
    await live.acquire();
    const permit = await redis.limiter({ maxConcurrent: 2 }, { pollMs: 10 }).acquire();
    expect(permit.slotAt).toBeGreaterThanOrEqual(held.until);
    const holders = (await redis.holds()).map((hold) => hold.holder);
    expect(holders).not.toContain(held.holder);
    expect(holders).toHaveLength(2);
  });

  it('answers busy when every place stays taken for maxWaitMs', async () => {
    const holder = await redis.limiter().acquire();
    await expect(redis.limiter({ maxWaitMs: 150 }, { pollMs: 10 }).acquire()).rejects.toBeInstanceOf(
      LlmLimiterBusyError,
    );
    expect(await redis.holds()).toHaveLength(1);
    holder.release();
  });

  it('answers busy when the next slot starts beyond maxWaitMs, and reserves nothing for it', async () => {
    const limits = { minSpacingMs: 10_000, maxConcurrent: 5, maxWaitMs: 200 };
    const first = await redis.limiter(limits).acquire();
    await expect(redis.limiter(limits).acquire()).rejects.toBeInstanceOf(LlmLimiterBusyError);
    expect(Number(await redis.admin.get(redis.keys.nextSlot))).toBe(first.slotAt + 10_000);
    // Its concurrency place was given back.
    await eventually(async () => (await redis.holds()).length === 1, 'the refused place given back');
  });

  it('gives a place back once however often a permit is released', async () => {
    const limiter = redis.limiter({ maxConcurrent: 2, maxWaitMs: 150 }, { pollMs: 10 });
    const first = await limiter.acquire();
    await limiter.acquire();
    first.release();
    first.release();
    await eventually(async () => (await redis.holds()).length === 1, 'one place given back');
    await limiter.acquire();
    await expect(limiter.acquire()).rejects.toBeInstanceOf(LlmLimiterBusyError);
  });

  it('rejects an aborted acquire with the signal’s reason, while polling or sleeping until its slot', async () => {
    const holder = await redis.limiter().acquire();
    const polling = new AbortController();
    const waiting = redis.limiter({}, { pollMs: 10 }).acquire(polling.signal);
    const reason = new Error('client went away');
    polling.abort(reason);
    await expect(waiting).rejects.toBe(reason);
    holder.release();

    const spaced = { minSpacingMs: 5_000, maxConcurrent: 5 };
    const first = await redis.limiter(spaced).acquire();
    const sleeping = new AbortController();
    const second = redis.limiter(spaced).acquire(sleeping.signal);
    await eventually(async () => (await redis.holds()).length === 2, 'the second caller holding a place');
    sleeping.abort();
    await expect(second).rejects.toMatchObject({ name: 'AbortError' });
    await eventually(async () => (await redis.holds()).length === 1, 'its place given back');
    first.release();
  });

  it('goes on after Redis lost its script cache (EVALSHA falls back to EVAL once, then is cached again)', async () => {
    const spacing = 40;
    const limiter = redis.limiter({ minSpacingMs: spacing, maxConcurrent: 2 });
    const first = await limiter.acquire();
    first.release();
    // Every script user here falls back the same way, so flushing the shared cache is harmless.
    await redis.admin.script('FLUSH');
    const second = await limiter.acquire();
    const third = await limiter.acquire();
    // Still one sequence after the fallback: the slot state lives in keys, not in the script.
    expect(second.slotAt - first.slotAt).toBeGreaterThanOrEqual(spacing);
    expect(third.slotAt - second.slotAt).toBeGreaterThanOrEqual(spacing);
    expect(await redis.holds()).toHaveLength(2);
    second.release();
    third.release();
    await eventually(async () => (await redis.holds()).length === 0, 'both places given back');
  });

  it('leaves keys that expire by themselves', async () => {
    const permit: LlmPermit = await redis.limiter({ minSpacingMs: 5_000 }, { holdTtlMs: 60_000 }).acquire();
    const [slotTtl, holdTtl] = await Promise.all([
      redis.admin.pttl(redis.keys.nextSlot),
      redis.admin.pttl(redis.keys.inFlight),
    ]);
    expect(slotTtl).toBeGreaterThan(0);
    expect(slotTtl).toBeLessThanOrEqual(5_000);
    expect(holdTtl).toBeGreaterThan(0);
    expect(holdTtl).toBeLessThanOrEqual(60_000);
    permit.release();
  });

  it.each([
    { case: 'commands queued while ioredis reconnects', enableOfflineQueue: true },
    { case: 'commands refused at once', enableOfflineQueue: false },
  ])('rejects as unavailable when Redis cannot be reached ($case)', async ({ enableOfflineQueue }) => {
    const port = await freePort();
    const unreachable = new Redis({ host: '127.0.0.1', port, lazyConnect: true, enableOfflineQueue });
    try {
      const limits = { minSpacingMs: 0, maxConcurrent: 1, maxWaitMs: 300 };
      const limiter = new RedisRateLimiter(unreachable, redis.prefix, limits);
      await expect(limiter.acquire()).rejects.toBeInstanceOf(LlmLimiterUnavailableError);
    } finally {
      unreachable.disconnect();
    }
  });

  it('refuses a hold that could lapse while its caller still waits', () => {
    const limits = { minSpacingMs: 0, maxConcurrent: 1, maxWaitMs: 5_000 };
    expect(() => new RedisRateLimiter(redis.admin, redis.prefix, limits, { holdTtlMs: 5_000 })).toThrow(
      RangeError,
    );
  });
});
