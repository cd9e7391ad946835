import { Clock } from '@app/contracts';

interface Timer {
  readonly at: number;
  readonly wake: () => void;
}

/**
 * Virtual time for tests that run a whole app with its own polling loops. Time stands still
 * while the app works; it moves to the next timer only when the test asks (`step`, `runUntil`)
 * and every one of the app's `loops` is asleep on this clock. So the app does exactly the same
 * work in the same virtual order whether the machine is idle or both cores are busy, and no
 * assertion depends on how fast the wall clock runs.
 *
 * `loops` is how many independent loops the app runs on the clock (one per exchange feed, for
 * market-data); a loop that waits on anything other than the clock (a socket, a real timer) is
 * simply not asleep yet, and the clock waits for it.
 */
export class SteppedClock extends Clock {
  readonly #timers = new Set<Timer>();
  readonly #idleWaiters: (() => void)[] = [];
  #now: number;

  constructor(
    start: number,
    private readonly loops: number,
  ) {
    super();
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
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
      this.#notifyIfIdle();
    });
  }

  /** Resolves once every loop is asleep on the clock. */
  idle(): Promise<void> {
    return new Promise((resolve) => {
      this.#idleWaiters.push(resolve);
      this.#notifyIfIdle();
    });
  }

  /** Waits for every loop to sleep, then moves to the earliest timer and wakes what is due. */
  async step(): Promise<void> {
    await this.idle();
    const next = Math.min(...[...this.#timers].map((timer) => timer.at));
    this.#now = Math.max(this.#now, next);
    for (const timer of [...this.#timers]) if (timer.at <= this.#now) timer.wake();
  }

  /**
   * Steps until `condition` holds at a moment every loop is asleep. `withinMs` bounds the virtual
   * time it may take, so a condition that never comes fails the same way on any machine.
   */
  async runUntil(condition: () => boolean | Promise<boolean>, what: string, withinMs: number): Promise<void> {
    await this.idle();
    const limit = this.#now + withinMs;
    while (!(await condition())) {
      if (this.#now >= limit) throw new Error(`${what}: not reached within ${withinMs} ms of virtual time`);
      await this.step();
      await this.idle();
    }
  }

  /** Steps until `ms` of virtual time have passed (the last step may overshoot to a timer). */
  async advance(ms: number): Promise<void> {
    const target = this.#now + ms;
    await this.runUntil(() => this.#now >= target, `advance ${ms} ms`, ms);
  }

  #notifyIfIdle(): void {
    if (this.#timers.size < this.loops) return;
    for (const wake of this.#idleWaiters.splice(0)) wake();
  }
}
