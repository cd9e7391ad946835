/**
 * Time as every service reads it (ms since the epoch, UTC) and waits on it. Injected — the process
 * root provides the wall clock — so tests substitute virtual time and no service calls
 * `Date.now()` or `setTimeout` for its own pacing.
 */
export abstract class Clock {
  abstract now(): number;
  /** Resolves after `ms`, or early (without error) when `signal` aborts. */
  abstract sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** The wall clock and real timers. */
export class SystemClock extends Clock {
  now(): number {
    return Date.now();
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return abortableDelay(ms, signal);
  }
}

/** A real timer that resolves after `ms`, or early (without error) when `signal` aborts. */
export function abortableDelay(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise<void>((resolve) => {
    if (isAborted(signal)) {
      resolve();
      return;
    }
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, Math.max(0, ms));
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** Read through a function so the compiler does not treat `aborted` as fixed across awaits. */
export function isAborted(signal: AbortSignal | undefined): boolean {
  return signal?.aborted === true;
}
