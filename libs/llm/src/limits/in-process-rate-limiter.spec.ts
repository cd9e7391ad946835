import { describe, expect, it } from '@jest/globals';
import { InProcessRateLimiter } from './in-process-rate-limiter.js';
import { LlmLimiterBusyError, type LlmLimits } from './llm-rate-limiter.js';
import { settle, VirtualTimers } from './testing/virtual-timers.js';

const T0 = Date.UTC(2024, 0, 1);

function limiterAt(limits: Partial<LlmLimits> = {}): { limiter: InProcessRateLimiter; time: VirtualTimers } {
  const time = new VirtualTimers(T0);
  const limiter = new InProcessRateLimiter(
    { minSpacingMs: 0, maxConcurrent: 1, maxWaitMs: 60_000, ...limits },
    time,
    time.sleep,
  );
  return { limiter, time };
}

/** A promise's outcome so far, without awaiting it. */
function track<T>(promise: Promise<T>): { value?: T; error?: unknown; readonly done: () => boolean } {
  const state: { value?: T; error?: unknown; done: () => boolean } = {
    done: () => 'value' in state || 'error' in state,
  };
  promise.then(
    (value) => (state.value = value),
    (error: unknown) => (state.error = error),
  );
  return state;
}

describe('InProcessRateLimiter', () => {
  it('spaces slots exactly minSpacingMs apart and hands each permit over when its slot starts', async () => {
    const { limiter, time } = limiterAt({ minSpacingMs: 100, maxConcurrent: 10 });
    const resolvedAt: number[] = [];
    const permits = Array.from({ length: 4 }, () =>
      limiter.acquire().then((permit) => {
        resolvedAt.push(time.now());
        return permit;
      }),
    );
    await time.advance(0);
    expect(resolvedAt).toEqual([T0]);
    await time.advance(299);
    expect(resolvedAt).toEqual([T0, T0 + 100, T0 + 200]);
    await time.advance(1);
    const slots = (await Promise.all(permits)).map((permit) => permit.slotAt);
    expect(slots).toEqual([T0, T0 + 100, T0 + 200, T0 + 300]);
    expect(resolvedAt).toEqual(slots);
  });

  it('spaces from the last granted slot: a caller soon after waits out the rest, one long after waits not at all', async () => {
    const { limiter, time } = limiterAt({ minSpacingMs: 100, maxConcurrent: 10 });
    expect((await limiter.acquire()).slotAt).toBe(T0);
    await time.advance(30);
    const soon = track(limiter.acquire());
    await time.advance(69);
    expect(soon.done()).toBe(false);
    await time.advance(1);
    expect(soon.value?.slotAt).toBe(T0 + 100);
    await time.advance(5_000);
    // No burst to catch up on the idle time: one slot, now.
    expect((await limiter.acquire()).slotAt).toBe(T0 + 5_100);
    expect(track(limiter.acquire()).done()).toBe(false);
  });

  it('grants places first come, first served', async () => {
    const { limiter, time } = limiterAt({ minSpacingMs: 10, maxConcurrent: 1 });
    const order: string[] = [];
    const names = ['a', 'b', 'c', 'd', 'e'];
    const all = names.map((name) =>
      limiter.acquire().then((permit) => {
        order.push(name);
        // Held for a while, released out of band: the next in line must still be the next called.
        void time.sleep(25).then(() => {
          permit.release();
        });
        return permit;
      }),
    );
    await time.advance(1_000);
    const slots = (await Promise.all(all)).map((permit) => permit.slotAt - T0);
    expect(order).toEqual(names);
    expect(slots).toEqual([0, 25, 50, 75, 100]);
  });

  it('never has more than maxConcurrent permits out, and fills every free place', async () => {
    const { limiter, time } = limiterAt({ minSpacingMs: 5, maxConcurrent: 3 });
    let holding = 0;
    let peak = 0;
    const tasks = Array.from({ length: 12 }, async (_, i) => {
      const permit = await limiter.acquire();
      holding += 1;
      peak = Math.max(peak, holding);
      // The limiter may count more (a permit granted but still sleeping until its slot), never fewer.
      expect(limiter.inFlight).toBeGreaterThanOrEqual(holding);
      await time.sleep(10 + (i % 4) * 15);
      holding -= 1;
      permit.release();
    });
    await time.advance(10_000);
    await Promise.all(tasks);
    expect(peak).toBe(3);
    expect(limiter.inFlight).toBe(0);
    expect(time.pending).toBe(0);
  });

  it('gives a place back once however often a permit is released', async () => {
    const { limiter, time } = limiterAt({ maxConcurrent: 1 });
    const first = await limiter.acquire();
    first.release();
    first.release();
    expect(limiter.inFlight).toBe(0);
    const second = track(limiter.acquire());
    const third = track(limiter.acquire());
    await time.advance(0);
    first.release();
    await settle();
    expect(second.done()).toBe(true);
    expect(third.done()).toBe(false);
    expect([limiter.inFlight, limiter.queued]).toEqual([1, 1]);
  });

  it('answers busy once a caller has waited maxWaitMs for a place, and the place goes to the next', async () => {
    const { limiter, time } = limiterAt({ maxConcurrent: 1, maxWaitMs: 500 });
    const holder = await limiter.acquire();
    const waiting = track(limiter.acquire());
    await time.advance(499);
    expect(waiting.done()).toBe(false);
    await time.advance(1);
    expect(waiting.error).toBeInstanceOf(LlmLimiterBusyError);
    expect(limiter.queued).toBe(0);
    holder.release();
    expect((await limiter.acquire()).slotAt).toBe(T0 + 500);
    expect(time.pending).toBe(0);
  });

  it('answers busy at once when the slot would start after maxWaitMs, reserving nothing', async () => {
    const { limiter, time } = limiterAt({ minSpacingMs: 1_000, maxConcurrent: 5, maxWaitMs: 500 });
    expect((await limiter.acquire()).slotAt).toBe(T0);
    await expect(limiter.acquire()).rejects.toBeInstanceOf(LlmLimiterBusyError);
    expect(limiter.inFlight).toBe(1);
    await time.advance(600);
    const later = track(limiter.acquire());
    await time.advance(400);
    expect(later.value?.slotAt).toBe(T0 + 1_000);
  });

  it('drops an aborted waiter from the queue with the signal’s reason; the next in line gets the place', async () => {
    const { limiter, time } = limiterAt({ maxConcurrent: 1 });
    const holder = await limiter.acquire();
    const controller = new AbortController();
    const gone = track(limiter.acquire(controller.signal));
    const next = track(limiter.acquire());
    const reason = new Error('client went away');
    controller.abort(reason);
    await settle();
    expect(gone.error).toBe(reason);
    expect(limiter.queued).toBe(1);
    holder.release();
    await time.advance(0);
    expect(next.value?.slotAt).toBe(T0);
    // No timer left behind: the aborted waiter's maxWait timer went with it.
    expect(time.pending).toBe(0);
  });

  it('gives back the place of a caller aborted while it sleeps until its slot', async () => {
    const { limiter, time } = limiterAt({ minSpacingMs: 100, maxConcurrent: 5 });
    await limiter.acquire();
    const controller = new AbortController();
    const sleeping = track(limiter.acquire(controller.signal));
    await time.advance(50);
    expect(limiter.inFlight).toBe(2);
    controller.abort();
    await settle();
    expect((sleeping.error as Error).name).toBe('AbortError');
    expect(limiter.inFlight).toBe(1);
    await expect(limiter.acquire(controller.signal)).rejects.toBe(controller.signal.reason);
  });

  it('wraps an abort reason that is not an error, keeping it as the cause', async () => {
    const { limiter } = limiterAt({ maxConcurrent: 1 });
    await limiter.acquire();
    const controller = new AbortController();
    const waiting = limiter.acquire(controller.signal);
    controller.abort('shutting down');
    await expect(waiting).rejects.toMatchObject({ message: 'aborted', cause: 'shutting down' });
  });

  it('waits on real timers by default, never before the slot', async () => {
    const limiter = new InProcessRateLimiter({ minSpacingMs: 20, maxConcurrent: 2, maxWaitMs: 60_000 }, Date);
    const [first, second] = await Promise.all([limiter.acquire(), limiter.acquire()]);
    const handedAt = Date.now();
    expect(second.slotAt - first.slotAt).toBeGreaterThanOrEqual(20);
    expect(handedAt).toBeGreaterThanOrEqual(second.slotAt);
  });

  it.each([
    { minSpacingMs: -1, maxConcurrent: 1, maxWaitMs: 0 },
    { minSpacingMs: 0, maxConcurrent: 0, maxWaitMs: 0 },
    { minSpacingMs: 0, maxConcurrent: 1.5, maxWaitMs: 0 },
    { minSpacingMs: 0, maxConcurrent: 1, maxWaitMs: Number.NaN },
  ])('refuses limits it cannot honour: %j', (limits) => {
    expect(() => new InProcessRateLimiter(limits, Date)).toThrow(RangeError);
  });
});
