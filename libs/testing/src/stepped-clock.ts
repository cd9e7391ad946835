import { Clock } from '@app/contracts';
import { TimerSet } from './virtual-timers.js';

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
  readonly #timers = new TimerSet();
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
    const asleep = this.#timers.sleep(this.#now + Math.max(0, ms), signal);
    if (signal?.aborted !== true) this.#notifyIfIdle();
    return asleep;
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
    this.#now = Math.max(this.#now, this.#timers.earliest());
    this.#timers.wakeDue(this.#now);
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
