import { type BusEventName, type BusHandler, type BusStats, EventBus, errorMessage } from '@app/contracts';
import { type BusEventData } from '@app/contracts/dto';

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

export interface PersistentBusOptions {
  readonly baseMs: number;
  readonly maxMs: number;
  readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  readonly signal: AbortSignal;
  /** Whose publishes (an exchange id), for the log. */
  readonly label: string;
  readonly logger: { warn(message: string): void; log(message: string): void };
}

/**
 * A feed's bus (the replay's, each live exchange's): each publish waits out a bus outage
 * (publishPersistently) instead of failing. A candle feed counts a candle as published once its
 * sequencer releases it, so a failed publish used to lose that candle and every one after it in
 * the page; now polling (or the replay) pauses until the bus answers, and resumes where it was.
 */
export class PersistentPublishBus extends EventBus {
  constructor(
    private readonly inner: EventBus,
    private readonly options: PersistentBusOptions,
  ) {
    super();
  }

  async publish<N extends BusEventName>(name: N, payload: BusEventData<N>): Promise<void> {
    const { baseMs, maxMs, sleep, signal, label, logger } = this.options;
    await publishPersistently(() => this.inner.publish(name, payload), {
      baseMs,
      maxMs,
      sleep,
      signal,
      onFailure: (error) => {
        logger.warn(`${label}: publish failed, waiting for the bus to answer: ${errorMessage(error)}`);
      },
      onRecovered: (failures) => {
        logger.log(`${label}: bus answers again after ${failures} failed attempt(s)`);
      },
    });
  }

  subscribe<N extends BusEventName>(name: N, handler: BusHandler<N>): () => void {
    return this.inner.subscribe(name, handler);
  }

  stats(): BusStats {
    return this.inner.stats();
  }
}
