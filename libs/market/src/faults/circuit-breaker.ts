export type BreakerState = 'closed' | 'open' | 'half-open';

export interface BreakerOptions {
  /** Failures in a row that open the circuit. */
  readonly failureThreshold: number;
  /** How long the circuit stays open before one probe is let through. */
  readonly openMs: number;
  /** The open time doubles each time a probe fails, up to this. */
  readonly maxOpenMs: number;
}

/**
 * A circuit breaker per exchange (Nygard, "Release It!", ch. 5): after `failureThreshold`
 * failures in a row it stops calls for `openMs`, then lets one probe through; the probe's
 * outcome closes the circuit or opens it again for twice as long.
 */
export class CircuitBreaker {
  #failures = 0;
  #openedAt: number | null = null;
  #openMs: number;
  #probing = false;

  constructor(
    private readonly options: BreakerOptions,
    private readonly now: () => number,
  ) {
    this.#openMs = options.openMs;
  }

  get state(): BreakerState {
    if (this.#openedAt === null) return 'closed';
    return this.now() >= this.#openedAt + this.#openMs ? 'half-open' : 'open';
  }

  get consecutiveFailures(): number {
    return this.#failures;
  }

  /** When an open circuit lets its next probe through; null when closed. */
  get retryAt(): number | null {
    return this.#openedAt === null ? null : this.#openedAt + this.#openMs;
  }

  /** Whether a call may go now. In half-open, only one probe at a time. */
  tryAcquire(): boolean {
    const state = this.state;
    if (state === 'closed') return true;
    if (state === 'open' || this.#probing) return false;
    this.#probing = true;
    return true;
  }

  success(): void {
    this.#failures = 0;
    this.#openedAt = null;
    this.#openMs = this.options.openMs;
    this.#probing = false;
  }

  failure(): void {
    this.#failures++;
    if (this.#probing) {
      this.#probing = false;
      this.#openMs = Math.min(this.options.maxOpenMs, this.#openMs * 2);
      this.#openedAt = this.now();
      return;
    }
    if (this.#openedAt === null && this.#failures >= this.options.failureThreshold)
      this.#openedAt = this.now();
  }

  /** A call that was let through ended without a verdict on the exchange (aborted): free the probe. */
  release(): void {
    this.#probing = false;
  }
}
