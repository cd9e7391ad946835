import { setImmediate as nextTurn } from 'node:timers/promises';
import { Clock } from '@app/contracts';
// By path: the @app/testing barrel loads mongoose and the fakes, which these specs do not need.
import { TimerSet } from '../../../testing/src/virtual-timers.js';

/**
 * Virtual time for the alert specs: a `sleep` (backoff, an attempt's timeout) is a timer that fires
 * only when the test moves time past it, so retries and dedupe windows land on exact virtual
 * milliseconds however loaded the machine is, and a hung receiver times out only when the test
 * says so.
 */
export class VirtualClock extends Clock {
  readonly #timers = new TimerSet();
  #now: number;

  constructor(start: number) {
    super();
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  /** Timers waiting (backoffs and attempt timeouts not yet due). */
  get pending(): number {
    return this.#timers.size;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return this.#timers.sleep(this.#now + Math.max(0, ms), signal);
  }

  /** Moves time forward by `ms`, firing each due timer in order and letting what it wakes run. */
  async advance(ms: number): Promise<void> {
    const target = this.#now + ms;
    await nextTurn();
    for (;;) {
      const at = this.#timers.wakeEarliest(target);
      if (at === null) break;
      this.#now = Math.max(this.#now, at);
      await nextTurn();
    }
    this.#now = target;
    await nextTurn();
  }
}
