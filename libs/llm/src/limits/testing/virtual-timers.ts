import { setImmediate as nextTurn } from 'node:timers/promises';
// By path: the @app/testing barrel loads mongoose and the fakes, which these specs do not need.
import { TimerSet } from '../../../../testing/src/virtual-timers.js';

/**
 * Virtual time for the limiter specs: `sleep` registers a timer that fires only when the test
 * moves time past it (`advance`), so slots and deadlines land on exact virtual milliseconds
 * whatever the machine's load. Unlike ManualClock (@app/testing), a sleep does not jump time
 * forward by itself: a limiter has several timers pending at once (slots, maxWait deadlines).
 */
export class VirtualTimers {
  readonly #timers = new TimerSet();
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
    this.#timers.sleep(this.#now + Math.max(0, ms), signal);

  /**
   * Moves time forward by `ms`, stopping at each due timer (earliest first) to fire it and let
   * everything it wakes run, so work scheduled at t happens at t, never later.
   */
  async advance(ms: number): Promise<void> {
    const target = this.#now + ms;
    await settle();
    for (;;) {
      const at = this.#timers.wakeEarliest(target);
      if (at === null) break;
      this.#now = Math.max(this.#now, at);
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
