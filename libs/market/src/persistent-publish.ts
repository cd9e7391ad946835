export interface PersistentPublishOptions {
  /** Backoff after the first failure, doubled after each one up to `maxMs`. */
  readonly baseMs: number;
  readonly maxMs: number;
  readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Ends the retries: the last error is thrown. */
  readonly signal?: AbortSignal;
  /** Told of the first failure of a run of them (the next ones are the same outage). */
  readonly onFailure?: (error: unknown) => void;
  /** Told when a publish went through after `failures` failed attempts. */
  readonly onRecovered?: (failures: number) => void;
}

/**
 * Publishes, retrying with capped exponential backoff while the bus refuses (Redis restarting or
 * away): a replay then waits for the bus instead of ending, and skips no candle. A publish whose
 * reply was lost may be repeated; the worker drops a candle it already has, so nothing is
 * analysed twice.
 */
export async function publishPersistently(
  publish: () => Promise<void>,
  options: PersistentPublishOptions,
): Promise<void> {
  // A function, so the compiler does not take the flag for constant across the await below.
  const stopped = (): boolean => options.signal?.aborted === true;
  for (let failures = 0; ; failures++) {
    try {
      await publish();
      if (failures > 0) options.onRecovered?.(failures);
      return;
    } catch (error) {
      if (stopped()) throw error;
      if (failures === 0) options.onFailure?.(error);
      await options.sleep(Math.min(options.maxMs, options.baseMs * 2 ** failures), options.signal);
      if (stopped()) throw error;
    }
  }
}
