import { type LlmOpinion, Signal, streamRoom, timeframeToMs } from '@app/contracts';
import { type ResultHeadline, type StoredMarket, type StoredResult, storedResult } from '@app/persistence';

/** The store reads the cache needs (ResultRepository). */
export interface LatestSource {
  latest(market: StoredMarket): Promise<StoredResult | null>;
  latestForMarkets(markets: readonly StoredMarket[]): Promise<StoredResult[]>;
}

/**
 * How long a result read from the store answers before the store is asked again: for streams the
 * bus has not fed yet (a cold start), streams only clients store (`POST analyze {"store": true}`),
 * and a stream whose next result is overdue (see OVERDUE_GRACE_MS).
 */
export const LATEST_MAX_AGE_MS = 1000;

/**
 * A result projected from the bus stays the answer until its stream's next result is this late
 * (the next is due one timeframe after it was published, at its candle's open time + 2
 * timeframes). Past that the store is asked again, at most every LATEST_MAX_AGE_MS: it bounds
 * what missed messages (a Redis reconnect) cost; a halted market costs what a cold stream does.
 */
export const OVERDUE_GRACE_MS = 60_000;

/** A candle update as the bus carries it (`confluence.updated`, trigger `candle`). */
export interface ProjectedUpdate extends StoredMarket {
  readonly candleTime: number;
  readonly result?: Readonly<Record<string, unknown>> | undefined;
}

/** An opinion as the bus carries it (`llm.opinion`): about one candle's result of a stream. */
export interface ProjectedOpinion extends StoredMarket {
  readonly candleTime: number;
  /** The input hash of the result the opinion is about. */
  readonly inputHash: string;
  readonly opinion: LlmOpinion;
}

interface Entry {
  readonly result: StoredResult | null;
  /** When the store was last asked (store entries), or when the bus delivered it. */
  readonly checkedAt: number;
  /** Delivered by the bus: the answer until a newer one comes or it is overdue. */
  readonly projected: boolean;
}

const SIGNALS: readonly unknown[] = Object.values(Signal);
const isNumber = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value);
const isString = (value: unknown): value is string => typeof value === 'string';

/** Whether an update's result is a domain result of the update's own stream and candle. */
function headlineOf(update: ProjectedUpdate): ResultHeadline | null {
  const result = update.result;
  if (result === undefined) return null;
  const same =
    result.exchange === update.exchange &&
    result.symbol === update.symbol &&
    result.timeframe === update.timeframe &&
    result.candleTime === update.candleTime;
  const typed =
    [result.computedAt, result.score, result.confidence, result.coverage, result.staleness].every(isNumber) &&
    [result.engineVersion, result.configHash, result.inputHash].every(isString) &&
    SIGNALS.includes(result.label);
  return same && typed ? (result as unknown as ResultHeadline) : null;
}

/**
 * The latest result of each stream, held in the gateway so `GET latest` and the subscribe snapshot
 * answer from memory (the budget is 5,000 requests/s on two cores). It is a projection of the
 * bus: every candle update carries its domain result, which replaces the held one when its candle
 * is newer. The store is read only for a stream the bus has not fed since this gateway started
 * (then every LATEST_MAX_AGE_MS until it does), and again once a projected result is overdue.
 * Results are published before they are written, so the projection can be ahead of the store,
 * never behind it: a store read never replaces a newer projected result.
 */
export class LatestResults {
  readonly #entries = new Map<string, Entry>();
  readonly #inflight = new Map<string, Promise<StoredResult | null>>();

  constructor(
    private readonly source: LatestSource,
    private readonly now: () => number,
    private readonly maxEntries = 10_000,
  ) {}

  /**
   * A candle update from the bus. False when it carries no usable result (not a domain result of
   * its stream and candle): that stream is then read from the store again.
   */
  project(update: ProjectedUpdate): boolean {
    const key = streamRoom(update);
    const headline = headlineOf(update);
    if (headline === null) {
      this.#entries.delete(key);
      return false;
    }
    const held = this.#entries.get(key)?.result;
    if (held != null && held.candleTime > headline.candleTime) return true;
    // The same result again (a redelivery) keeps the opinion already attached to it.
    const llm =
      held?.llm !== undefined &&
      held.candleTime === headline.candleTime &&
      held.inputHash === headline.inputHash
        ? { llm: held.llm }
        : {};
    this.#set(key, { result: { ...storedResult(headline), ...llm }, checkedAt: this.now(), projected: true });
    return true;
  }

  /**
   * An opinion from the bus, attached to the held latest result when it is about that result: the
   * same candle and the same inputs (the event names the result's input hash, and an available
   * opinion its own), since an opinion of another input set would be shown beside a result it is
   * not about. False when nothing matched: an opinion of an older candle is in the store for the
   * history, and a stream not held is read from the store; an unavailable opinion never replaces
   * an available one. A new object, so nothing rendered from
   * the old one (ETags, cached bytes) is reused.
   */
  attachOpinion(update: ProjectedOpinion): boolean {
    const key = streamRoom(update);
    const entry = this.#entries.get(key);
    const held = entry?.result;
    if (entry === undefined || held == null) return false;
    if (held.candleTime !== update.candleTime || held.inputHash !== update.inputHash) return false;
    if (update.opinion.status === 'ok' && update.opinion.inputHash !== held.inputHash) return false;
    // As in the store: a failed later ask does not hide the answer already shown.
    if (update.opinion.status === 'unavailable' && held.llm?.status === 'ok') return false;
    this.#entries.set(key, { ...entry, result: { ...held, llm: update.opinion } });
    return true;
  }

  #fresh(entry: Entry | undefined, stream: StoredMarket): entry is Entry {
    if (entry === undefined) return false;
    const now = this.now();
    if (entry.projected && entry.result !== null) {
      const due = entry.result.candleTime + 2 * timeframeToMs(stream.timeframe) + OVERDUE_GRACE_MS;
      if (now <= due) return true;
    }
    return now - entry.checkedAt <= LATEST_MAX_AGE_MS;
  }

  async get(stream: StoredMarket): Promise<StoredResult | null> {
    const key = streamRoom(stream);
    const entry = this.#entries.get(key);
    if (this.#fresh(entry, stream)) return entry.result;
    // Concurrent misses of one stream share one store read.
    let pending = this.#inflight.get(key);
    if (pending === undefined) {
      pending = this.#load(key, stream).finally(() => this.#inflight.delete(key));
      this.#inflight.set(key, pending);
    }
    return pending;
  }

  async #load(key: string, stream: StoredMarket): Promise<StoredResult | null> {
    const checkedAt = this.now();
    return this.#remember(key, await this.source.latest(stream), checkedAt);
  }

  /** A store read: kept unless the bus delivered a result at least as new meanwhile. */
  #remember(key: string, read: StoredResult | null, checkedAt: number): StoredResult | null {
    const held = this.#entries.get(key);
    const heldTime = held?.result?.candleTime;
    const behind =
      held !== undefined &&
      heldTime !== undefined &&
      (read === null || read.candleTime < heldTime || (held.projected && read.candleTime === heldTime));
    if (behind) {
      this.#set(key, { ...held, checkedAt });
      return held.result;
    }
    this.#set(key, { result: read, checkedAt, projected: false });
    return read;
  }

  #set(key: string, entry: Entry): void {
    if (this.#entries.size >= this.maxEntries && !this.#entries.has(key)) {
      const oldest = this.#entries.keys().next();
      if (oldest.done !== true) this.#entries.delete(oldest.value);
    }
    this.#entries.set(key, entry);
  }

  /** Many streams at once: held ones from memory, the rest in one store query. */
  async getMany(streams: readonly StoredMarket[]): Promise<(StoredResult | null)[]> {
    const answers = new Map<string, StoredResult | null>();
    const missing: StoredMarket[] = [];
    for (const stream of streams) {
      const key = streamRoom(stream);
      const entry = this.#entries.get(key);
      if (this.#fresh(entry, stream)) answers.set(key, entry.result);
      else missing.push(stream);
    }
    if (missing.length > 0) {
      const checkedAt = this.now();
      const found = await this.source.latestForMarkets(missing);
      const byKey = new Map(found.map((result) => [streamRoom(result), result]));
      for (const stream of missing) {
        const key = streamRoom(stream);
        answers.set(key, this.#remember(key, byKey.get(key) ?? null, checkedAt));
      }
    }
    return streams.map((stream) => answers.get(streamRoom(stream)) ?? null);
  }
}
