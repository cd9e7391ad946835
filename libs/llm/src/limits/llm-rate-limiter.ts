/**
 * The limiter every request to the model endpoint passes through: a minimum spacing between
 * request starts and a cap on requests in flight. Waiting is always asynchronous (a queue or a
 * timer, never a lock): the old service held a `threading.Lock` inside asyncio and froze its loop.
 */

/** One permission to send one request to the model endpoint. */
export interface LlmPermit {
  /**
   * When the permit's slot starts (ms, on the limiter's clock: Redis TIME for Redis); successive
   * permits' slots are ≥ minSpacingMs apart.
   */
  readonly slotAt: number;
  /** Gives the concurrency place back (idempotent). */
  release(): void;
}

export interface LlmLimits {
  /** Least time between two slots (request starts), across every caller sharing the limiter. */
  readonly minSpacingMs: number;
  /** Most permits held at once. */
  readonly maxConcurrent: number;
  /** A caller waiting longer than this gets an LlmLimiterBusyError. */
  readonly maxWaitMs: number;
}

export abstract class LlmRateLimiter {
  /**
   * Waits (asynchronously, never blocking the event loop) for a slot and a concurrency place.
   * Rejects with LlmLimiterBusyError when it would wait longer than maxWaitMs, or with the
   * signal's reason when aborted.
   */
  abstract acquire(signal?: AbortSignal): Promise<LlmPermit>;
}

/** Too many requests are already waiting: the caller answers "busy" instead of queueing longer. */
export class LlmLimiterBusyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/**
 * The shared limiter (Redis) failed or did not answer within the caller's wait: the caller
 * answers "unavailable". Never retried here, so an outage costs a caller at most maxWaitMs.
 */
export class LlmLimiterUnavailableError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Rejects limits no limiter can honour (a config validator should have caught them first). */
export function assertLimits(limits: LlmLimits): void {
  const { minSpacingMs, maxConcurrent, maxWaitMs } = limits;
  if (!Number.isFinite(minSpacingMs) || minSpacingMs < 0)
    throw new RangeError(`minSpacingMs must be a finite number ≥ 0, got ${minSpacingMs}`);
  if (!Number.isInteger(maxConcurrent) || maxConcurrent < 1)
    throw new RangeError(`maxConcurrent must be an integer ≥ 1, got ${maxConcurrent}`);
  if (!Number.isFinite(maxWaitMs) || maxWaitMs < 0)
    throw new RangeError(`maxWaitMs must be a finite number ≥ 0, got ${maxWaitMs}`);
}

/** A permit whose release runs `giveBack` once, however often it is called. */
export class OncePermit implements LlmPermit {
  #released = false;

  constructor(
    readonly slotAt: number,
    private readonly giveBack: () => void,
  ) {}

  release(): void {
    if (this.#released) return;
    this.#released = true;
    this.giveBack();
  }
}

/**
 * What an aborted acquire rejects with: the signal's reason (an AbortError DOMException unless
 * `abort(reason)` said otherwise), wrapped in an Error only when it is not one.
 */
export function abortReason(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  // By shape, not instanceof: Node's own DOMException comes from another realm under Jest's VM.
  const errorLike =
    reason instanceof Error ||
    (typeof reason === 'object' &&
      reason !== null &&
      typeof (reason as { name?: unknown }).name === 'string' &&
      typeof (reason as { message?: unknown }).message === 'string');
  return errorLike ? (reason as Error) : new Error('aborted', { cause: reason });
}

export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted === true) throw abortReason(signal);
}
