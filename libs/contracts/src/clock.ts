/**
 * The current time as every service reads it (ms since the epoch, UTC). Injected — the process
 * root provides the wall clock — so tests substitute virtual time and no service calls
 * `Date.now()` itself.
 */
export abstract class Clock {
  abstract now(): number;
}

/** The wall clock. */
export class SystemClock extends Clock {
  now(): number {
    return Date.now();
  }
}
