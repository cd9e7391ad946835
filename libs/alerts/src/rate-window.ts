/**
 * A sliding-window rate limit: at most `limit` takes in any `windowMs`. Keeps the times of the
 * takes still inside the window (at most `limit` of them).
 */
export class RateWindow {
  readonly #taken: number[] = [];

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
  ) {}

  /** Takes a slot at `now` when one is free. */
  tryTake(now: number): boolean {
    while (this.#taken.length > 0 && (this.#taken[0] ?? now) <= now - this.windowMs) this.#taken.shift();
    if (this.#taken.length >= this.limit) return false;
    this.#taken.push(now);
    return true;
  }
}

/**
 * Remembers when each key was last accepted, forgetting keys once their window has passed (keys
 * are kept in the order accepted, so the oldest are dropped from the front).
 */
export class DedupeWindow {
  readonly #acceptedAt = new Map<string, number>();

  constructor(private readonly windowMs: number) {}

  /** Accepts `key` at `now` unless it was accepted within the window. */
  tryAccept(key: string, now: number): boolean {
    for (const [oldest, at] of this.#acceptedAt) {
      if (at > now - this.windowMs) break;
      this.#acceptedAt.delete(oldest);
    }
    if (this.#acceptedAt.has(key)) return false;
    this.#acceptedAt.set(key, now);
    return true;
  }
}
