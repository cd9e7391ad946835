export interface BackoffPolicy {
  readonly baseMs: number;
  readonly maxMs: number;
}

/**
 * Exponential backoff with full jitter (Brooker, "Exponential Backoff And Jitter", AWS
 * Architecture Blog, 2015): uniform in [0, min(cap, base · 2^attempt)], so clients that failed
 * together do not retry together. `attempt` counts from 0.
 */
export function backoffDelay(attempt: number, policy: BackoffPolicy, random: () => number): number {
  const ceiling = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.min(attempt, 30));
  return Math.floor(random() * ceiling);
}
