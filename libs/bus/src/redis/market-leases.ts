import { performance } from 'node:perf_hooks';
import { setTimeout as delay } from 'node:timers/promises';
import { marketId, errorMessage } from '@app/contracts';
import type { Redis } from 'ioredis';
import {
  HEARTBEAT_SCRIPT,
  LEASE_ACQUIRE_SCRIPT,
  leaseKey,
  MEMBERSHIP_TTLS,
  membershipChannel,
  releaseLease,
  renewLease,
  workersKey,
} from './lease-scripts.js';
import { rendezvousOwner } from './rendezvous.js';
import type { LogSink, MarketRef } from '@app/contracts';

export * from './lease-scripts.js';

export type LeaseLossReason = 'rebalanced' | 'expired' | 'stopped';

export interface MarketLeasesOptions {
  /** A normal (non-subscriber) connection, owned by the caller: never quit here. */
  readonly redis: Redis;
  /**
   * A connection of its own for the membership channel (subscriber mode), owned by the caller.
   * With it, a worker runs its round as soon as another says it joined, left or handed markets
   * over, instead of at its next renewal; without it, it sees the change then.
   */
  readonly subscriber?: Redis;
  /** Keys: `${prefix}:lease:${marketId}` and `${prefix}:workers`. */
  readonly prefix: string;
  /** Unique per process; it is the value of every lease this worker holds. */
  readonly workerId: string;
  /** Every market to serve: the same list in every worker. */
  readonly markets: readonly MarketRef[];
  /** Lease time-to-live (membership lasts MEMBERSHIP_TTLS times longer); the loop renews every ttlMs/3. */
  readonly ttlMs: number;
  readonly logger: LogSink;
  /** A market was gained; awaited before it counts as owned. */
  readonly onAcquired: (market: MarketRef) => Promise<void> | void;
  /** A market was lost; awaited (before a rebalanced or stopped lease is released in Redis). */
  readonly onLost: (market: MarketRef, reason: LeaseLossReason) => Promise<void> | void;
  /** Injected for tests; default setTimeout-based. May resolve or reject on abort. */
  readonly sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Monotonic milliseconds for lease validity; injected for tests, default performance.now(). */
  readonly now?: () => number;
}

export interface MarketLeasesStatus {
  readonly workerId: string;
  /** Live members at the last successful heartbeat, sorted. */
  readonly members: string[];
  /** Market ids currently held (and still within their TTL). */
  readonly owned: string[];
  readonly acquired: number;
  readonly lost: number;
  /** What went wrong in the most recent tick; null when it went through. */
  readonly lastTickError: string | null;
}

interface Held {
  readonly market: MarketRef;
  /** Local monotonic time after which the lease may have expired in Redis. */
  validUntil: number;
}

/**
 * Splits the configured markets between live workers: Redis single-instance leases (SET NX PX,
 * renew and release by Lua that checks the value), a membership heartbeat, and rendezvous
 * hashing to decide who should hold what. A worker releases what HRW gives another live member,
 * and acquires what HRW gives it once the holder has released it or the lease has expired; a
 * dead worker's markets move about MEMBERSHIP_TTLS TTLs plus one renew period after its last tick.
 * With a subscriber, a worker that joins, stops or hands markets over announces it, and the
 * others run their round at once: a clean stop's markets move within a round trip or two.
 */
export class MarketLeases {
  readonly #held = new Map<string, Held>();
  readonly #markets: readonly MarketRef[];
  readonly #abort = new AbortController();
  readonly #sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  readonly #now: () => number;
  readonly #period: number;
  /** Time a lease is trusted after the request that set it was sent: TTL less clock drift. */
  readonly #validity: number;
  #members: string[] = [];
  #acquired = 0;
  #lost = 0;
  #lastTickError: string | null = null;
  /** Ticks run one after another through this chain, so they never overlap. */
  #queue: Promise<void> = Promise.resolve();
  #loop: Promise<void> | null = null;
  #stopped = false;
  #stopping: Promise<void> | null = null;
  /** Whether this worker said it joined (after its first heartbeat). */
  #announcedJoin = false;
  /** Another worker's announcement: run a round now (ticks queue, so it never overlaps one). */
  readonly #onAnnouncement = (channel: string, from: string): void => {
    if (channel === membershipChannel(this.options.prefix) && from !== this.workerId) void this.tick();
  };

  constructor(private readonly options: MarketLeasesOptions) {
    if (!Number.isFinite(options.ttlMs) || options.ttlMs < 30)
      throw new RangeError(`market leases: ttlMs must be at least 30, got ${options.ttlMs}`);
    if (options.workerId === '') throw new RangeError('market leases: workerId must not be empty');
    const ids = options.markets.map(marketId);
    if (new Set(ids).size !== ids.length) throw new RangeError('market leases: duplicate markets');
    this.#markets = [...options.markets];
    this.#sleep = options.sleep ?? ((ms, signal) => delay(ms, undefined, { signal }));
    this.#now = options.now ?? (() => performance.now());
    this.#period = Math.floor(options.ttlMs / 3);
    // Redlock's allowance for clock-rate drift between this process and Redis.
    this.#validity = options.ttlMs - (Math.floor(options.ttlMs * 0.01) + 2);
  }

  get workerId(): string {
    return this.options.workerId;
  }

  /** Joins membership and ticks now, then every ttlMs/3 (and on others' announcements) until stop(). */
  start(): void {
    if (this.#loop !== null || this.#stopped) {
      this.#say('warn', 'start() ignored: already started or stopped');
      return;
    }
    const { subscriber, prefix } = this.options;
    if (subscriber !== undefined) {
      subscriber.on('message', this.#onAnnouncement);
      // Until it is subscribed, changes are seen at the next renewal, as without a subscriber.
      void this.#bestEffort('subscribe', this.#call(subscriber.subscribe(membershipChannel(prefix))));
    }
    this.#loop = this.#runLoop();
  }

  /** One round; resolves when done. Never rejects: errors are logged and kept in status(). */
  tick(): Promise<void> {
    const next = this.#queue.then(() => this.#guardedRound());
    this.#queue = next;
    return next;
  }

  /** Held markets, in configuration order; a lease past its local validity is not counted. */
  owned(): MarketRef[] {
    return this.#markets.filter((market) => this.holds(market));
  }

  holds(market: MarketRef): boolean {
    const held = this.#held.get(marketId(market));
    return held !== undefined && this.#now() < held.validUntil;
  }

  /**
   * Stops ticking; every held market gets onLost('stopped'). With release (default), its leases
   * are deleted and it leaves membership so others take over at once; release: false leaves
   * both to expire, as a crash would.
   */
  stop(options: { release?: boolean } = {}): Promise<void> {
    this.#stopped = true;
    this.#stopping ??= this.#shutDown(options.release ?? true);
    return this.#stopping;
  }

  status(): MarketLeasesStatus {
    return {
      workerId: this.workerId,
      members: [...this.#members].sort(),
      owned: this.owned().map(marketId),
      acquired: this.#acquired,
      lost: this.#lost,
      lastTickError: this.#lastTickError,
    };
  }

  async #runLoop(): Promise<void> {
    while (!this.#stopped) {
      const startedAt = this.#now();
      await this.tick();
      const spent = this.#now() - startedAt;
      try {
        await this.#sleep(Math.max(0, this.#period - spent), this.#abort.signal);
      } catch {
        // Aborted by stop(): the loop condition decides.
      }
    }
  }

  async #shutDown(release: boolean): Promise<void> {
    this.#abort.abort();
    await this.#queue;
    await this.#loop;
    const { redis, prefix } = this.options;
    for (const held of [...this.#held.values()]) {
      await this.#lose(held, 'stopped');
      if (release) await this.#bestEffort(`release ${marketId(held.market)}`, this.#release(held.market));
    }
    if (release) {
      await this.#bestEffort('leave membership', this.#call(redis.zrem(workersKey(prefix), this.workerId)));
      await this.#announce();
    }
    const { subscriber } = this.options;
    if (subscriber !== undefined) {
      subscriber.off('message', this.#onAnnouncement);
      await this.#bestEffort('unsubscribe', this.#call(subscriber.unsubscribe(membershipChannel(prefix))));
    }
    this.#members = [];
    this.#say('log', `stopped (${release ? 'released' : 'leases left to expire'})`);
  }

  async #guardedRound(): Promise<void> {
    if (this.#stopped) return;
    const startedAt = this.#now();
    const errors: string[] = [];
    try {
      await this.#round(errors);
    } catch (error) {
      errors.push(describe(error));
    }
    this.#lastTickError = errors.length > 0 ? errors.join('; ') : null;
    if (this.#lastTickError !== null) this.#say('warn', `tick: ${this.#lastTickError}`);
    const took = Math.round(this.#now() - startedAt);
    if (took > this.#period)
      this.#say('warn', `tick took ${took}ms, over the ${this.#period}ms renew period`);
  }

  async #round(errors: string[]): Promise<void> {
    // Whatever Redis says (or fails to say) next, a lease past its TTL is no longer ours.
    for (const held of [...this.#held.values()])
      if (this.#now() >= held.validUntil) await this.#lose(held, 'expired');
    const members = await this.#heartbeat().catch((error: unknown) => {
      errors.push(`heartbeat: ${describe(error)}`);
      return null;
    });
    if (members !== null) this.#members = members;
    await this.#renewHeld(errors);
    // Without a fresh member list, do not move anything: renewing is all that is safe.
    if (members === null || this.#stopped) return;
    const wanted: MarketRef[] = [];
    let released = false;
    for (const market of this.#markets) {
      const id = marketId(market);
      const winner = rendezvousOwner(id, members);
      const held = this.#held.get(id);
      if (held !== undefined && winner !== this.workerId) {
        // The consumer stops first (onLost is awaited), then the newcomer may take it.
        await this.#lose(held, 'rebalanced');
        await this.#bestEffort(`release ${id}`, this.#release(market), errors);
        released = true;
      } else if (held === undefined && winner === this.workerId) {
        wanted.push(market);
      }
    }
    await this.#acquire(wanted, errors);
    // Joined (the holders of its share release it now), or released markets (their winner takes them now).
    if (released || !this.#announcedJoin) {
      this.#announcedJoin = true;
      await this.#announce(errors);
    }
  }

  /** Tells the other workers the membership changed; they run a round at once. Harmless if lost. */
  async #announce(errors?: string[]): Promise<void> {
    const { redis, prefix, subscriber } = this.options;
    if (subscriber === undefined) return;
    const publish = redis.publish(membershipChannel(prefix), this.workerId);
    await this.#bestEffort('announce', this.#call(publish), errors);
  }

  async #heartbeat(): Promise<string[]> {
    const { redis, prefix, ttlMs } = this.options;
    const reply = await this.#call(
      redis.eval(HEARTBEAT_SCRIPT, 1, workersKey(prefix), this.workerId, ttlMs * MEMBERSHIP_TTLS),
    );
    if (!Array.isArray(reply) || !reply.every((item) => typeof item === 'string'))
      throw new Error('unexpected reply');
    return reply;
  }

  async #renewHeld(errors: string[]): Promise<void> {
    const { redis, prefix, ttlMs } = this.options;
    const held = [...this.#held.values()];
    const sentAt = this.#now();
    const outcomes = await Promise.all(
      held.map(async (lease): Promise<{ lease: Held; renewed: boolean; error: string | null }> => {
        try {
          const renewed = await this.#call(
            renewLease(redis, leaseKey(prefix, lease.market), this.workerId, ttlMs),
          );
          return { lease, renewed, error: null };
        } catch (error) {
          return { lease, renewed: false, error: describe(error) };
        }
      }),
    );
    const failures = outcomes.flatMap((outcome) => (outcome.error === null ? [] : [outcome.error]));
    if (failures.length > 0)
      errors.push(`renew failed for ${failures.length} lease(s): ${failures[0] ?? ''}`);
    for (const { lease, renewed, error } of outcomes) {
      if (renewed) lease.validUntil = sentAt + this.#validity;
      // Redis said no: the lease expired or was taken. Unreachable: hold on until its TTL is up.
      else if (error === null || this.#now() >= lease.validUntil) await this.#lose(lease, 'expired');
    }
  }

  async #acquire(markets: readonly MarketRef[], errors: string[]): Promise<void> {
    const { redis, prefix, ttlMs } = this.options;
    const sentAt = this.#now();
    const outcomes = await Promise.all(
      markets.map(async (market) => {
        try {
          const reply = await this.#call(
            redis.eval(LEASE_ACQUIRE_SCRIPT, 1, leaseKey(prefix, market), this.workerId, ttlMs),
          );
          return { market, acquired: reply === 1 };
        } catch (error) {
          errors.push(`acquire ${marketId(market)}: ${describe(error)}`);
          return { market, acquired: false };
        }
      }),
    );
    for (const { market, acquired } of outcomes) {
      if (!acquired) continue;
      const id = marketId(market);
      if (this.#stopped) {
        await this.#bestEffort(`release ${id}`, this.#release(market), errors);
        continue;
      }
      try {
        await this.options.onAcquired(market);
      } catch (error) {
        // Hand it back rather than hold a market nobody processes; the next tick retries.
        errors.push(`onAcquired ${id}: ${describe(error)}`);
        await this.#bestEffort(`release ${id}`, this.#release(market), errors);
        continue;
      }
      this.#held.set(id, { market, validUntil: sentAt + this.#validity });
      this.#acquired++;
      this.#say('log', `acquired ${id}`);
    }
  }

  /** Forgets the lease locally and tells the consumer; never throws. */
  async #lose(held: Held, reason: LeaseLossReason): Promise<void> {
    const id = marketId(held.market);
    this.#held.delete(id);
    this.#lost++;
    this.#say(reason === 'expired' ? 'warn' : 'log', `lost ${id} (${reason})`);
    try {
      await this.options.onLost(held.market, reason);
    } catch (error) {
      this.#say('error', `onLost ${id}: ${describe(error)}`);
    }
  }

  #release(market: MarketRef): Promise<boolean> {
    const { redis, prefix } = this.options;
    return this.#call(releaseLease(redis, leaseKey(prefix, market), this.workerId));
  }

  /** A failed release or leave is harmless: the key expires by itself. */
  async #bestEffort(what: string, pending: Promise<unknown>, errors?: string[]): Promise<void> {
    try {
      await pending;
    } catch (error) {
      if (errors !== undefined) errors.push(`${what}: ${describe(error)}`);
      else this.#say('warn', `${what}: ${describe(error)}`);
    }
  }

  #say(level: keyof LogSink, message: string): void {
    this.options.logger[level](`market leases [${this.workerId}]: ${message}`);
  }

  /**
   * A Redis call bounded by the TTL: with the client's offline queue a call can hang for as long
   * as Redis is away, and a tick stuck on it would never notice its leases expiring.
   */
  #call<T>(pending: Promise<T>): Promise<T> {
    const ms = this.options.ttlMs;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new Error(`redis: no reply within ${ms}ms`));
      }, ms);
      timer.unref();
      pending.then(
        (value) => {
          clearTimeout(timer);
          resolve(value);
        },
        (error: unknown) => {
          clearTimeout(timer);
          reject(error instanceof Error ? error : new Error(String(error)));
        },
      );
    });
  }
}

function describe(error: unknown): string {
  return errorMessage(error);
}
