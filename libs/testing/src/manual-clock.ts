import { Clock } from '@app/contracts';

/**
 * Virtual time for tests: `sleep` records the wait and moves time forward at once, so code that
 * backs off for minutes runs in microseconds and no assertion depends on the wall clock.
 */
export class ManualClock extends Clock {
  readonly sleeps: number[] = [];
  #now: number;

  constructor(start: number) {
    super();
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  set(time: number): void {
    this.#now = time;
  }

  advance(ms: number): void {
    this.#now += ms;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    this.sleeps.push(ms);
    if (signal?.aborted !== true) this.#now += Math.max(0, ms);
    return Promise.resolve();
  }
}
