import { streamRoom } from '@app/contracts';
import type { StoredMarket, StoredResult } from '@app/persistence';

/** The store reads the cache needs (ResultRepository). */
export interface LatestSource {
  latest(market: StoredMarket): Promise<StoredResult | null>;
  latestForMarkets(markets: readonly StoredMarket[]): Promise<StoredResult[]>;
}

/**
 * A cached result is served for at most this long even when no newer one was announced: the bus
 * is the usual invalidation, this bounds the damage of a missed message (a Redis reconnect).
 */
export const LATEST_MAX_AGE_MS = 1000;

interface Entry {
  readonly result: StoredResult | null;
  readonly fetchedAt: number;
}

/**
 * The latest stored result of each stream, cached in the gateway so `GET latest` answers from
 * memory (the budget is 5,000 requests/s on two cores). `confluence.updated` announces a newer
 * candle result; until the store holds it (a result is published before it is written) reads
 * go to the store, and a read never caches anything older than what was announced.
 */
export class LatestResults {
  readonly #entries = new Map<string, Entry>();
  /** Newest candle time announced on the bus, by stream. */
  readonly #announced = new Map<string, number>();
  readonly #inflight = new Map<string, Promise<StoredResult | null>>();

  constructor(
    private readonly source: LatestSource,
    private readonly now: () => number,
    private readonly maxEntries = 10_000,
  ) {}

  /** A newer candle result exists (from `confluence.updated`, trigger `candle`). */
  announce(stream: StoredMarket, candleTime: number): void {
    const key = streamRoom(stream);
    if (candleTime > (this.#announced.get(key) ?? -1)) this.#announced.set(key, candleTime);
  }

  #fresh(key: string, entry: Entry | undefined): entry is Entry {
    if (entry === undefined || this.now() - entry.fetchedAt > LATEST_MAX_AGE_MS) return false;
    const announced = this.#announced.get(key);
    return announced === undefined || (entry.result !== null && entry.result.candleTime >= announced);
  }

  async get(stream: StoredMarket): Promise<StoredResult | null> {
    const key = streamRoom(stream);
    const entry = this.#entries.get(key);
    if (this.#fresh(key, entry)) return entry.result;
    // Concurrent misses of one stream share one store read.
    let pending = this.#inflight.get(key);
    if (pending === undefined) {
      pending = this.#load(key, stream).finally(() => this.#inflight.delete(key));
      this.#inflight.set(key, pending);
    }
    return pending;
  }

  async #load(key: string, stream: StoredMarket): Promise<StoredResult | null> {
    const fetchedAt = this.now();
    const result = await this.source.latest(stream);
    this.#remember(key, result, fetchedAt);
    return result;
  }

  #remember(key: string, result: StoredResult | null, fetchedAt: number): void {
    const announced = this.#announced.get(key);
    // Older than announced: the write is still on its way; do not pin the older one.
    if (announced !== undefined && (result === null || result.candleTime < announced)) return;
    if (this.#entries.size >= this.maxEntries && !this.#entries.has(key)) {
      const oldest = this.#entries.keys().next();
      if (oldest.done !== true) this.#entries.delete(oldest.value);
    }
    this.#entries.set(key, { result, fetchedAt });
  }

  /** Many streams at once: cached ones from memory, the rest in one store query. */
  async getMany(streams: readonly StoredMarket[]): Promise<(StoredResult | null)[]> {
    const answers = new Map<string, StoredResult | null>();
    const missing: StoredMarket[] = [];
    for (const stream of streams) {
      const key = streamRoom(stream);
      const entry = this.#entries.get(key);
      if (this.#fresh(key, entry)) answers.set(key, entry.result);
      else missing.push(stream);
    }
    if (missing.length > 0) {
      const fetchedAt = this.now();
      const found = await this.source.latestForMarkets(missing);
      const byKey = new Map(found.map((result) => [streamRoom(result), result]));
      for (const stream of missing) {
        const key = streamRoom(stream);
        const result = byKey.get(key) ?? null;
        this.#remember(key, result, fetchedAt);
        answers.set(key, result);
      }
    }
    return streams.map((stream) => answers.get(streamRoom(stream)) ?? null);
  }
}
