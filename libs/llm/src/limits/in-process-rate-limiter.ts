import { abortableDelay } from '@app/contracts';
import {
  abortReason,
  assertLimits,
  LlmLimiterBusyError,
  type LlmLimits,
  type LlmPermit,
  LlmRateLimiter,
  OncePermit,
} from './llm-rate-limiter.js';

/** Resolves after `ms`, or early (resolving or rejecting) when `signal` aborts. */
export type LimiterSleep = (ms: number, signal?: AbortSignal) => Promise<void>;

type WaiterState = 'queued' | 'sleeping' | 'settled';

interface Waiter {
  readonly startedAt: number;
  readonly signal: AbortSignal | undefined;
  readonly resolve: (permit: LlmPermit) => void;
  readonly reject: (reason: unknown) => void;
  /** Cancels the maxWait timer once the waiter leaves the queue. */
  readonly deadline: AbortController;
  readonly onAbort: () => void;
  state: WaiterState;
  /** The place it holds while sleeping until its slot (given back if it aborts meanwhile). */
  permit: OncePermit | null;
}

/**
 * The limiter of one process (no REDIS_URL). A FIFO queue of waiters: the head takes a
 * concurrency place as soon as one is free, then the next slot (the last granted slot plus the
 * spacing), and sleeps until it starts. Everything that decides is synchronous, so grants follow
 * call order exactly and there is no lock to hold. Waiting costs no CPU: a waiter is a pending
 * promise woken by a release, and a timer for its slot and for its maxWait deadline.
 *
 * Timers stay ref'd: a caller awaiting a permit is work in progress, and a process that exited
 * under it would leave the await silently unsettled. Every timer is cleared when its waiter
 * settles, so none outlives the wait.
 */
export class InProcessRateLimiter extends LlmRateLimiter {
  readonly #queue: Waiter[] = [];
  #inFlight = 0;
  /** The earliest start of the next slot: the last granted slot plus the spacing. */
  #nextSlot = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly limits: LlmLimits,
    private readonly clock: { now(): number },
    private readonly sleep: LimiterSleep = abortableDelay,
  ) {
    super();
    assertLimits(limits);
  }

  /** Permits held now (for metrics and tests). */
  get inFlight(): number {
    return this.#inFlight;
  }

  /** Callers waiting for a concurrency place now. */
  get queued(): number {
    return this.#queue.length;
  }

  override acquire(signal?: AbortSignal): Promise<LlmPermit> {
    if (signal?.aborted === true) return Promise.reject(abortReason(signal));
    return new Promise<LlmPermit>((resolve, reject) => {
      const waiter: Waiter = {
        startedAt: this.clock.now(),
        signal,
        resolve,
        reject,
        deadline: new AbortController(),
        onAbort: () => {
          this.#abandon(waiter, signal === undefined ? undefined : abortReason(signal));
        },
        state: 'queued',
        permit: null,
      };
      signal?.addEventListener('abort', waiter.onAbort, { once: true });
      this.#queue.push(waiter);
      this.#drain();
      if (waiter.state === 'queued') this.#armDeadline(waiter);
    });
  }

  /** Grants places to the head of the queue while any are free: strictly first come, first served. */
  #drain(): void {
    while (this.#inFlight < this.limits.maxConcurrent) {
      const waiter = this.#queue.shift();
      if (waiter === undefined) return;
      this.#grant(waiter);
    }
  }

  #grant(waiter: Waiter): void {
    waiter.deadline.abort();
    const now = this.clock.now();
    const slot = Math.max(now, this.#nextSlot);
    // Decided before the slot is reserved, so a refused caller costs the others nothing.
    if (slot - waiter.startedAt > this.limits.maxWaitMs) {
      this.#settle(waiter, () => {
        waiter.reject(this.#busy(`its slot starts ${Math.round(slot - waiter.startedAt)} ms after it asked`));
      });
      return;
    }
    this.#inFlight += 1;
    this.#nextSlot = slot + this.limits.minSpacingMs;
    const permit = new OncePermit(slot, () => {
      this.#inFlight -= 1;
      this.#drain();
    });
    if (slot <= now) {
      this.#settle(waiter, () => {
        waiter.resolve(permit);
      });
      return;
    }
    waiter.state = 'sleeping';
    waiter.permit = permit;
    // An abort while sleeping is handled by onAbort (#abandon); the sleep only has to end.
    const wake = (): void => {
      if (waiter.state === 'sleeping')
        this.#settle(waiter, () => {
          waiter.resolve(permit);
        });
    };
    this.sleep(slot - now, waiter.signal).then(wake, wake);
  }

  /**
   * The maxWait deadline of a waiter still queued for a place. Its slot may be later still; that
   * is checked (and refused at once) when it gets the place.
   */
  #armDeadline(waiter: Waiter): void {
    const expire = (): void => {
      if (waiter.state !== 'queued' || waiter.deadline.signal.aborted) return;
      this.#removeFromQueue(waiter);
      this.#settle(waiter, () => {
        waiter.reject(this.#busy('no concurrency place came free'));
      });
    };
    this.sleep(this.limits.maxWaitMs, waiter.deadline.signal).then(expire, expire);
  }

  /** An aborted caller leaves the queue, or gives back the place it held while sleeping. */
  #abandon(waiter: Waiter, reason: unknown): void {
    if (waiter.state === 'settled') return;
    if (waiter.state === 'queued') {
      waiter.deadline.abort();
      this.#removeFromQueue(waiter);
    }
    // The slot it reserved is not handed back: a later caller may already have the one after it.
    const permit = waiter.permit;
    this.#settle(waiter, () => {
      waiter.reject(reason);
    });
    permit?.release();
  }

  #settle(waiter: Waiter, complete: () => void): void {
    waiter.state = 'settled';
    waiter.permit = null;
    waiter.signal?.removeEventListener('abort', waiter.onAbort);
    complete();
  }

  #removeFromQueue(waiter: Waiter): void {
    const index = this.#queue.indexOf(waiter);
    if (index >= 0) this.#queue.splice(index, 1);
  }

  #busy(why: string): LlmLimiterBusyError {
    const { maxWaitMs, maxConcurrent } = this.limits;
    return new LlmLimiterBusyError(
      `LLM limiter busy: ${why} (max wait ${maxWaitMs} ms; ` +
        `${this.#inFlight}/${maxConcurrent} in flight, ${this.#queue.length} queued)`,
    );
  }
}
