import type { Clock } from '@app/market';

/**
 * Virtual time for tests: `sleep` records the wait and moves time forward at once, so code that
 * backs off for minutes runs in microseconds and no assertion depends on the wall clock.
 */
export class ManualClock implements Clock {
  readonly sleeps: number[] = [];
  #now: number;

  constructor(start: number) {
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

/**
 * Real time sped up `factor` times from a virtual start, for tests that run whole apps with their
 * own timers: a minute of market time passes in 60 / factor seconds. Assertions must not depend
 * on how much happened in a given real time — only on what did happen.
 */
export class AcceleratedClock implements Clock {
  readonly #realStart = Date.now();

  constructor(
    private readonly start: number,
    private readonly factor: number,
  ) {}

  now(): number {
    return this.start + Math.round((Date.now() - this.#realStart) * this.factor);
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      if (signal?.aborted === true) {
        resolve();
        return;
      }
      const done = (): void => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, Math.max(0, ms) / this.factor);
      signal?.addEventListener('abort', done, { once: true });
    });
  }
}
