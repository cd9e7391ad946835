import { type Clock, isAborted } from '../clock.js';
import { type BackoffPolicy, backoffDelay } from './backoff.js';
import { type BreakerOptions, type BreakerState, CircuitBreaker } from './circuit-breaker.js';
import {
  CircuitOpenError,
  classifyExchangeError,
  ExchangeCallError,
  type ExchangeFault,
  FaultKind,
} from './exchange-fault.js';
import type { LogSink } from '@app/contracts';

export type ExchangeHealth = 'ok' | 'degraded' | 'down';

/** An exchange's health as readiness reports it. */
export interface ExchangeStatus {
  readonly exchange: string;
  readonly status: ExchangeHealth;
  /** Why it is not ok; null when ok. */
  readonly reason: string | null;
  readonly lastSuccessAt: number | null;
  readonly lastError: { readonly at: number; readonly kind: FaultKind; readonly message: string } | null;
  readonly consecutiveFailures: number;
  readonly breaker: BreakerState;
  /** While rate-limited or open: when calls resume. */
  readonly resumeAt: number | null;
  readonly counters: Readonly<ExchangeCounters>;
}

export interface ExchangeCounters {
  requests: number;
  failures: number;
  rateLimited: number;
  /** Responses (or parts of them) dropped because they did not validate. */
  malformed: number;
  retries: number;
}

export interface GateOptions {
  readonly exchange: string;
  readonly retry: BackoffPolicy;
  readonly breaker: BreakerOptions;
  readonly clock: Clock;
  readonly random: () => number;
  readonly logger: LogSink;
}

export interface CallOptions {
  /** Tries in all (1 = no retry). */
  readonly attempts: number;
  readonly signal?: AbortSignal | undefined;
}

/**
 * Every call to one exchange goes through its gate: the circuit breaker, a pause for the whole
 * exchange after a 429 (its limit is per IP, not per market), retries with jittered backoff, and
 * the status that health reports. One exchange's gate never blocks another's.
 */
export class ExchangeGate {
  readonly #breaker: CircuitBreaker;
  #pausedUntil = 0;
  #lastSuccessAt: number | null = null;
  #lastError: ExchangeStatus['lastError'] = null;
  readonly #counters: ExchangeCounters = {
    requests: 0,
    failures: 0,
    rateLimited: 0,
    malformed: 0,
    retries: 0,
  };

  constructor(private readonly options: GateOptions) {
    this.#breaker = new CircuitBreaker(options.breaker, () => options.clock.now());
  }

  get exchange(): string {
    return this.options.exchange;
  }

  /**
   * Runs `call` through the gate. Retryable faults are retried up to `attempts` in all; the last
   * fault is thrown as an ExchangeCallError. An open circuit throws one without calling.
   */
  async call<T>(operation: string, call: () => Promise<T>, options: CallOptions): Promise<T> {
    const { clock } = this.options;
    for (let attempt = 0; ; attempt++) {
      const pause = this.#pausedUntil - clock.now();
      if (pause > 0) await clock.sleep(pause, options.signal);
      if (options.signal !== undefined && isAborted(options.signal)) throw abortError(options.signal);
      if (!this.#breaker.tryAcquire()) {
        const fault = classifyExchangeError(new CircuitOpenError(this.exchange, this.#breaker.retryAt));
        throw new ExchangeCallError(this.exchange, operation, fault);
      }
      this.#counters.requests++;
      let fault: ExchangeFault;
      try {
        const result = await call();
        this.#succeeded();
        return result;
      } catch (error) {
        fault = classifyExchangeError(error);
        this.#failed(operation, fault);
      }
      if (!fault.retryable || attempt + 1 >= options.attempts || isAborted(options.signal))
        throw new ExchangeCallError(this.exchange, operation, fault);
      this.#counters.retries++;
      // A 429's own wait is the floor; jitter still spreads the markets that waited together.
      const delay = Math.max(
        fault.retryAfterMs ?? 0,
        backoffDelay(attempt, this.options.retry, this.options.random),
      );
      await clock.sleep(delay, options.signal);
    }
  }

  /**
   * `call` for a validated page: the rows it dropped are counted and logged as malformed; a
   * response with nothing usable throws inside `call` and counts as a failed call.
   */
  async callChecked<T>(
    operation: string,
    call: () => Promise<{ readonly items: T[]; readonly dropped: string[] }>,
    options: CallOptions,
  ): Promise<{ readonly items: T[]; readonly dropped: string[] }> {
    const page = await this.call(operation, call, options);
    if (page.dropped.length > 0) this.malformed(operation, page.dropped.join('; '), page.dropped.length);
    return page;
  }

  /** A response that validated only in part (or not at all): counted, shown in health. */
  malformed(operation: string, reason: string, count = 1): void {
    this.#counters.malformed += count;
    this.#lastError = { at: this.options.clock.now(), kind: FaultKind.BadResponse, message: reason };
    this.options.logger.warn(`${this.exchange} ${operation}: dropped ${count} malformed item(s): ${reason}`);
  }

  status(): ExchangeStatus {
    const now = this.options.clock.now();
    const breaker = this.#breaker.state;
    const resumeAt =
      breaker === 'closed' ? (this.#pausedUntil > now ? this.#pausedUntil : null) : this.#breaker.retryAt;
    const failures = this.#breaker.consecutiveFailures;
    let status: ExchangeHealth = 'ok';
    let reason: string | null = null;
    if (breaker !== 'closed') {
      status = 'down';
      reason = `circuit ${breaker} after ${failures} failures in a row (last: ${this.#lastError?.kind ?? 'unknown'})`;
    } else if (failures > 0) {
      status = 'degraded';
      reason = `${failures} failure(s) in a row (last: ${this.#lastError?.kind ?? 'unknown'})`;
    } else if (this.#pausedUntil > now) {
      status = 'degraded';
      reason = 'rate-limited by the exchange';
    } else if (this.#lastSuccessAt === null) {
      status = 'degraded';
      reason = 'no successful call yet';
    }
    return {
      exchange: this.exchange,
      status,
      reason,
      lastSuccessAt: this.#lastSuccessAt,
      lastError: this.#lastError,
      consecutiveFailures: failures,
      breaker,
      resumeAt,
      counters: { ...this.#counters },
    };
  }

  #succeeded(): void {
    const wasFailing = this.#breaker.consecutiveFailures > 0;
    this.#breaker.success();
    this.#lastSuccessAt = this.options.clock.now();
    if (wasFailing) this.options.logger.log(`${this.exchange}: calls succeed again`);
  }

  #failed(operation: string, fault: ExchangeFault): void {
    const now = this.options.clock.now();
    this.#counters.failures++;
    if (fault.kind === FaultKind.BadResponse) this.#counters.malformed++;
    this.#lastError = { at: now, kind: fault.kind, message: fault.message };
    if (fault.kind === FaultKind.RateLimited) {
      this.#counters.rateLimited++;
      const wait = fault.retryAfterMs ?? this.options.retry.baseMs;
      this.#pausedUntil = Math.max(this.#pausedUntil, now + wait);
    }
    const before = this.#breaker.state;
    // A refused request says nothing about the exchange's health.
    if (fault.kind === FaultKind.Rejected) this.#breaker.release();
    else this.#breaker.failure();
    const after = this.#breaker.state;
    const opened = before !== 'open' && after === 'open' ? ' — circuit opened' : '';
    this.options.logger.warn(`${this.exchange} ${operation}: ${fault.kind}: ${fault.message}${opened}`);
  }
}

function abortError(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new Error('aborted');
}
