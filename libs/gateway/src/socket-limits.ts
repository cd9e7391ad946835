/** Open connections per client IP, so one client cannot take every socket the gateway has. */
export class ConnectionsPerIp {
  readonly #open = new Map<string, number>();

  constructor(private readonly limit: number) {}

  /** Counts a connection in, or answers false (and counts nothing) past the limit. */
  acquire(ip: string): boolean {
    if (!this.hasRoom(ip)) return false;
    this.#open.set(ip, this.count(ip) + 1);
    return true;
  }

  /** Connections this IP holds now. */
  count(ip: string): number {
    return this.#open.get(ip) ?? 0;
  }

  /** Whether one more connection from this IP would be admitted (nothing is counted). */
  hasRoom(ip: string): boolean {
    return this.count(ip) < this.limit;
  }

  release(ip: string): void {
    const count = this.#open.get(ip) ?? 0;
    if (count <= 1) this.#open.delete(ip);
    else this.#open.set(ip, count - 1);
  }

  /** IPs holding at least one connection (a leak shows here). */
  get ips(): number {
    return this.#open.size;
  }

  get total(): number {
    let total = 0;
    for (const count of this.#open.values()) total += count;
    return total;
  }
}

/**
 * A token bucket: `ratePerSecond` sustained, bursts up to `burst`. One per socket, for its
 * subscribe/unsubscribe messages.
 */
export class TokenBucket {
  #tokens: number;
  #at: number;

  constructor(
    private readonly ratePerSecond: number,
    private readonly burst: number,
    private readonly now: () => number,
  ) {
    this.#tokens = burst;
    this.#at = now();
  }

  take(): boolean {
    const now = this.now();
    this.#tokens = Math.min(this.burst, this.#tokens + ((now - this.#at) / 1000) * this.ratePerSecond);
    this.#at = now;
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }
}
