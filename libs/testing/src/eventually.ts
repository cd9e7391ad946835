import { setTimeout as delay } from 'node:timers/promises';

export interface EventuallyOptions {
  /** When to give up: a safety net against a hang, never a measure of speed (default 60 s). */
  readonly timeoutMs?: number;
  /** The pause between two checks (default 20 ms). */
  readonly intervalMs?: number;
}

/**
 * Polls `condition` until it holds, for whatever is asynchronous in a test (delivery over Redis,
 * a process's progress, a store write). Nothing is timed: the deadline is generous so that a slow
 * or loaded machine only makes a test slower, and when it does fire the error names `what` was
 * awaited ("the replay to finish: not within 60000 ms"). An error the condition throws (a failed
 * `expect`, a refused request) propagates at once; it is not retried.
 */
export async function eventually(
  condition: () => boolean | Promise<boolean>,
  what: string,
  { timeoutMs = 60_000, intervalMs = 20 }: EventuallyOptions = {},
): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!(await condition())) {
    if (performance.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await delay(intervalMs);
  }
}
