interface Timer {
  readonly at: number;
  readonly wake: () => void;
}

/**
 * The sleeping side of a virtual clock: each `sleep` is a timer at a virtual time, woken only by
 * the clock that owns the set (or early, without error, when its signal aborts). SteppedClock and
 * the limiter specs' VirtualTimers decide when time moves; this holds what is waiting for it.
 */
export class TimerSet {
  readonly #timers = new Set<Timer>();

  get size(): number {
    return this.#timers.size;
  }

  /** Resolves when the owner wakes the timer at `at`, or when `signal` aborts. */
  sleep(at: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      if (signal?.aborted === true) {
        resolve();
        return;
      }
      const timer: Timer = {
        at,
        wake: () => {
          this.#timers.delete(timer);
          signal?.removeEventListener('abort', timer.wake);
          resolve();
        },
      };
      this.#timers.add(timer);
      signal?.addEventListener('abort', timer.wake, { once: true });
    });
  }

  /** The earliest timer's time, or Infinity when none waits. */
  earliest(): number {
    return Math.min(...[...this.#timers].map((timer) => timer.at));
  }

  /** Wakes every timer due at `now`. */
  wakeDue(now: number): void {
    for (const timer of [...this.#timers]) if (timer.at <= now) timer.wake();
  }

  /** Wakes the one earliest timer due by `until` (the first set, of equal times); its time, or null. */
  wakeEarliest(until: number): number | null {
    const due = [...this.#timers].filter((timer) => timer.at <= until).sort((a, b) => a.at - b.at)[0];
    if (due === undefined) return null;
    due.wake();
    return due.at;
  }
}
