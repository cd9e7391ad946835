import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { abortableDelay, errorMessage, type LogSink } from '@app/contracts';
import type { Redis } from 'ioredis';
import { type LlmLimiterKeys, llmLimiterKeys, takePlace, takeSlot } from './limiter-scripts.js';
import {
  abortReason,
  assertLimits,
  LlmLimiterBusyError,
  LlmLimiterUnavailableError,
  type LlmLimits,
  type LlmPermit,
  LlmRateLimiter,
  OncePermit,
  throwIfAborted,
} from './llm-rate-limiter.js';

export interface RedisRateLimiterOptions {
  /**
   * How long a hold lasts when its holder never releases it (a crashed process). Must exceed
   * maxWaitMs plus the longest request (the model client's timeout): a hold that lapses while its
   * request still runs lets one more in. Default 120 s.
   */
  readonly holdTtlMs?: number;
  /** Mean pause between two tries for a place while all are taken (±50 % jitter). Default 50 ms. */
  readonly pollMs?: number;
  /** Told when a release could not reach Redis (the hold then lapses after holdTtlMs). */
  readonly logger?: Pick<LogSink, 'warn'>;
}

const DEFAULT_HOLD_TTL_MS = 120_000;
const DEFAULT_POLL_MS = 50;

/**
 * The limiter shared by every process of a deployment (REDIS_URL set), with Redis TIME as the one
 * clock. An acquire first takes a concurrency place (a member of the in-flight sorted set, polled
 * for while all are taken), then reserves the next slot and sleeps until it starts. In that
 * order, a slot is reserved only by a caller that can use it at once: reserved first, it would
 * tick away (and hold back everyone after it) while its caller waited for a place.
 *
 * Places are polled for, not queued: fair in the long run (jitter), not FIFO across processes.
 *
 * Every Redis call is bounded by what is left of maxWaitMs. A failed call, or no answer in time
 * to the first call (Redis unreachable: ioredis queues commands while it reconnects), rejects with
 * LlmLimiterUnavailableError; a place taken before the failure is given back, and if that cannot
 * reach Redis either, it lapses after holdTtlMs. Nothing is retried: an outage costs a caller at
 * most maxWaitMs.
 */
export class RedisRateLimiter extends LlmRateLimiter {
  readonly #keys: LlmLimiterKeys;
  readonly #holdTtlMs: number;
  readonly #pollMs: number;
  /** Holder ids are this plus a counter: unique across processes, readable in Redis. */
  readonly #instance = randomUUID();
  #acquires = 0;

  constructor(
    private readonly redis: Redis,
    keyPrefix: string,
    private readonly limits: LlmLimits,
    private readonly options: RedisRateLimiterOptions = {},
  ) {
    super();
    assertLimits(limits);
    this.#keys = llmLimiterKeys(keyPrefix);
    this.#holdTtlMs = options.holdTtlMs ?? DEFAULT_HOLD_TTL_MS;
    this.#pollMs = options.pollMs ?? DEFAULT_POLL_MS;
    if (!Number.isInteger(this.#holdTtlMs) || this.#holdTtlMs <= limits.maxWaitMs)
      throw new RangeError(`holdTtlMs must be an integer above maxWaitMs, got ${this.#holdTtlMs}`);
    if (!(this.#pollMs > 0)) throw new RangeError(`pollMs must be above 0, got ${this.#pollMs}`);
  }

  override async acquire(signal?: AbortSignal): Promise<LlmPermit> {
    throwIfAborted(signal);
    const deadline = performance.now() + this.limits.maxWaitMs;
    this.#acquires += 1;
    const holder = `${this.#instance}:${this.#acquires}`;
    // Once Redis has answered this acquire, it is up: a later call cut off by the deadline ran
    // out of the caller's wait (busy), it does not mean Redis is gone (unavailable).
    let answered = false;
    const call = async <T>(command: Promise<T>, what: string): Promise<T> => {
      const answer = await this.#answer(command, deadline, signal, (waitMs) =>
        answered
          ? new LlmLimiterBusyError(
              `LLM limiter busy: the ${this.limits.maxWaitMs} ms wait ran out for ${what}`,
            )
          : new LlmLimiterUnavailableError(
              `Redis did not answer for ${what} within ${Math.round(waitMs)} ms`,
            ),
      );
      answered = true;
      return answer;
    };
    // The latest take-place call: if the acquire fails after it (or while it is unanswered), the
    // place it took, now or later, is given back.
    let taken: Promise<boolean> | null = null;
    try {
      for (;;) {
        taken = takePlace(this.redis, this.#keys, holder, this.limits.maxConcurrent, this.#holdTtlMs);
        if (await call(taken, 'a concurrency place')) break;
        const pause = this.#pollMs * (0.5 + Math.random());
        if (performance.now() + pause > deadline)
          throw new LlmLimiterBusyError(
            `LLM limiter busy: all ${this.limits.maxConcurrent} places stayed taken for ${this.limits.maxWaitMs} ms`,
          );
        await abortableDelay(pause, signal);
        throwIfAborted(signal);
      }
      const left = deadline - performance.now();
      const { minSpacingMs } = this.limits;
      const { reserved, slot, now } = await call(
        takeSlot(this.redis, this.#keys, minSpacingMs, left),
        'a slot',
      );
      if (!reserved)
        throw new LlmLimiterBusyError(
          `LLM limiter busy: the next slot starts in ${slot - now} ms, beyond the ${this.limits.maxWaitMs} ms wait`,
        );
      await abortableDelay(slot - now, signal);
      throwIfAborted(signal);
      return new OncePermit(slot, () => {
        this.#giveBack(holder);
      });
    } catch (error) {
      const pending = taken;
      if (pending !== null)
        pending.then(
          (granted) => {
            if (granted) this.#giveBack(holder);
          },
          // That call failed, so it took nothing: the failure itself was already reported.
          () => undefined,
        );
      throw error;
    }
  }

  /** ZREM is idempotent: releasing twice, or a lapsed hold, removes nothing of anyone else's. */
  #giveBack(holder: string): void {
    this.redis.zrem(this.#keys.inFlight, holder).catch((error: unknown) => {
      this.options.logger?.warn(
        `LLM limiter: could not release ${holder} (${errorMessage(error)}); it lapses after ${this.#holdTtlMs} ms`,
      );
    });
  }

  /**
   * The command's answer, unless it fails (LlmLimiterUnavailableError), does not come before the
   * deadline (`late`) or the caller aborts first; the command itself cannot be taken back and runs on.
   */
  async #answer<T>(
    command: Promise<T>,
    deadline: number,
    signal: AbortSignal | undefined,
    late: (waitMs: number) => Error,
  ): Promise<T> {
    const waitMs = Math.max(0, deadline - performance.now());
    const stop = new AbortController();
    const cut = new Promise<never>((_, reject) => {
      const timer = setTimeout(() => {
        reject(late(waitMs));
      }, waitMs);
      const onAbort = (): void => {
        if (signal !== undefined) reject(abortReason(signal));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      stop.signal.addEventListener('abort', () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
      });
    });
    try {
      return await Promise.race([
        command.catch((error: unknown) => {
          throw new LlmLimiterUnavailableError(`Redis failed: ${errorMessage(error)}`, { cause: error });
        }),
        cut,
      ]);
    } finally {
      stop.abort();
    }
  }
}
