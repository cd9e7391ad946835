import { setImmediate as nextTurn } from 'node:timers/promises';

interface Timer {
  readonly at: number;
  readonly wake: () => void;
}

/**
 * Virtual time for the limiter specs: `sleep` registers a timer that fires only when the test
 * moves time past it (`advance`), so slots and deadlines land on exact virtual milliseconds
 * whatever the machine's load. Unlike ManualClock (@app/testing), a sleep does not jump time
 * forward by itself: a limiter has several timers pending at once (slots, maxWait deadlines).
 */
export class VirtualTimers {
  readonly #timers = new Set<Timer>();
  #now: number;

  constructor(start: number) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  /** Timers not yet fired nor cancelled: a leak check. */
  get pending(): number {
    return this.#timers.size;
  }

  /** Resolves when time reaches now + ms, or early (without error) when `signal` aborts. */
  sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
    new Promise((resolve) => {
      if (signal?.aborted === true) {
        resolve();
        return;
      }
      const timer: Timer = {
        at: this.#now + Math.max(0, ms),
        wake: () => {
          this.#timers.delete(timer);
          signal?.removeEventListener('abort', timer.wake);
          resolve();
        },
      };
      this.#timers.add(timer);
      signal?.addEventListener('abort', timer.wake, { once: true });
    });

  /**
   * Moves time forward by `ms`, stopping at each due timer (earliest first) to fire it and let
   * everything it wakes run, so work scheduled at t happens at t, never later.
   */
  async advance(ms: number): Promise<void> {
    const target = this.#now + ms;
    await settle();
    for (;;) {
      const due = [...this.#timers].filter((timer) => timer.at <= target).sort((a, b) => a.at - b.at)[0];
      if (due === undefined) break;
      this.#now = Math.max(this.#now, due.at);
      due.wake();
      await settle();
    }
    this.#now = target;
    await settle();
  }
}

/** Lets every promise chain already started run to its next real wait. */
export async function settle(): Promise<void> {
  await nextTurn();
}
