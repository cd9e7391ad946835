import { isDuplicateKey } from '../persistence.errors.js';
import { errorMessage } from '@app/contracts';
import type { LogSink } from '@app/contracts';

/** One write to the store. It must be idempotent: it may run again after a lost acknowledgement. */
export interface StoreWrite {
  /** What it writes, for logs ("result binance BTC/USDT 1m 2021-02-19T10:00:00Z"). */
  readonly describe: string;
  run(): Promise<void>;
}

export interface StoreWriterOptions {
  readonly capacity: number;
  readonly retryBaseMs: number;
  readonly retryMaxMs: number;
  readonly logger: Pick<LogSink, 'warn' | 'error'>;
  /** Injected for tests; defaults to a timer and Math.random. */
  readonly sleep?: (ms: number) => Promise<void>;
  readonly random?: () => number;
  readonly now?: () => number;
}

/** A write the store never got: refused (buffer full, writer closed) or rejected as invalid. */
export interface LostWrite {
  readonly at: number;
  readonly kind: 'dropped' | 'rejected';
  /** What it held: streams and candle times (StoreWrite.describe). */
  readonly what: string;
}

/** How many lost writes status() lists (the newest); the counters count them all. */
const LOST_LISTED = 50;

export type StoreState = 'up' | 'down';

export interface StoreWriterStatus {
  readonly state: StoreState;
  readonly pending: number;
  readonly lastError: string | null;
  /** Counters since start. */
  readonly accepted: number;
  readonly written: number;
  /** Writes refused because the buffer was full (each logged). */
  readonly dropped: number;
  /** Writes the store rejected as invalid (not retryable; each logged). */
  readonly rejected: number;
  readonly retries: number;
  /** The newest lost writes (at most 50), oldest first, naming what each held. */
  readonly lost: readonly LostWrite[];
}

/**
 * Errors worth retrying: the store is unreachable, slow or electing, not "this write is wrong".
 * A write may also end in a Redis command (the distributed worker's stored checkpoint): Redis
 * being away, restarting or still loading is just as transient.
 */
export function isTransient(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const name = 'name' in error ? String(error.name) : '';
  if (
    /Network|ServerSelection|Timeout|PoolCleared|NotWritablePrimary|NotPrimary|Interrupted|MaxRetriesPerRequest/i.test(
      name,
    )
  )
    return true;
  const labels =
    'errorLabels' in error && Array.isArray(error.errorLabels) ? (error.errorLabels as unknown[]) : [];
  if (labels.includes('RetryableWriteError') || labels.includes('TransientTransactionError')) return true;
  const message = 'message' in error ? String(error.message) : '';
  return /ECONNREFUSED|ECONNRESET|EPIPE|socket|connection .* closed|connection is closed|buffering timed out|client was closed|topology|max retries per request|stream isn't writeable|^LOADING |redis: no reply within/i.test(
    message,
  );
}

/**
 * The store's write path: accepted writes run one at a time, in order. A transient failure
 * keeps the write at the head and retries it with exponential backoff and full jitter, so order
 * holds and nothing accepted is lost while the store is down; the buffer is bounded, and a write
 * that does not fit is refused, counted and logged. A duplicate key means "already written".
 */
export class StoreWriter {
  readonly #queue: StoreWrite[] = [];
  readonly #sleep: (ms: number) => Promise<void>;
  readonly #random: () => number;
  readonly #now: () => number;
  readonly #lost: LostWrite[] = [];
  #draining: Promise<void> | null = null;
  #closed = false;
  #abandoned = false;
  #inFlight = false;
  #state: StoreState = 'up';
  #lastError: string | null = null;
  #accepted = 0;
  #written = 0;
  #dropped = 0;
  #rejected = 0;
  #retries = 0;

  constructor(private readonly options: StoreWriterOptions) {
    this.#sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.#random = options.random ?? Math.random;
    this.#now = options.now ?? Date.now;
  }

  /** Queues a write; false (counted and logged) when the buffer is full or the writer closed. */
  enqueue(write: StoreWrite): boolean {
    if (this.#closed || this.#queue.length >= this.options.capacity) {
      this.#dropped++;
      this.#remember('dropped', write);
      const why = this.#closed
        ? 'the writer is closed'
        : `the write buffer is full (${this.options.capacity})`;
      this.options.logger.error(
        `store write dropped, ${why}: ${write.describe} (dropped so far: ${this.#dropped})`,
      );
      return false;
    }
    this.#queue.push(write);
    this.#accepted++;
    this.#draining ??= this.#drain().finally(() => {
      this.#draining = null;
    });
    return true;
  }

  status(): StoreWriterStatus {
    return {
      state: this.#state,
      pending: this.#queue.length,
      lastError: this.#lastError,
      accepted: this.#accepted,
      written: this.#written,
      dropped: this.#dropped,
      rejected: this.#rejected,
      retries: this.#retries,
      lost: [...this.#lost],
    };
  }

  /**
   * What each write not yet acknowledged describes, oldest first (what a stop that cannot wait
   * loses); the first may be in flight, and may still land.
   */
  unwritten(): { readonly inFlight: string | null; readonly waiting: string[] } {
    const [head, ...rest] = this.#queue.map((write) => write.describe);
    if (head === undefined) return { inFlight: null, waiting: [] };
    return this.#inFlight ? { inFlight: head, waiting: rest } : { inFlight: null, waiting: [head, ...rest] };
  }

  /** Resolves once every write accepted so far has been written (or rejected). */
  async flush(): Promise<void> {
    while (this.#draining !== null) await this.#draining;
  }

  /** Stops accepting writes; pending ones are still attempted until `flush` settles or the caller gives up. */
  close(): void {
    this.#closed = true;
  }

  /**
   * Gives up on what is still pending (a stop whose deadline passed, which has reported it): no
   * further attempt is made, so the closing connection does not fail them again, one log line each.
   */
  abandon(): void {
    this.#closed = true;
    this.#abandoned = true;
  }

  async #drain(): Promise<void> {
    let attempt = 0;
    // A function, so the compiler does not take the flag for constant across the awaits below.
    const abandoned = (): boolean => this.#abandoned;
    for (let write = this.#queue[0]; write !== undefined && !abandoned(); write = this.#queue[0]) {
      try {
        this.#inFlight = true;
        await write.run();
        this.#succeeded();
        attempt = 0;
      } catch (error) {
        this.#inFlight = false;
        if (abandoned()) return;
        if (isDuplicateKey(error)) {
          this.#succeeded();
          attempt = 0;
        } else if (isTransient(error)) {
          this.#markDown(error, write);
          this.#retries++;
          await this.#sleep(this.#backoff(attempt++));
        } else {
          this.#queue.shift();
          this.#rejected++;
          this.#remember('rejected', write);
          this.options.logger.error(
            `store rejected a write, not retrying: ${write.describe}: ${errorMessage(error)}`,
          );
        }
      }
    }
  }

  #remember(kind: LostWrite['kind'], write: StoreWrite): void {
    this.#lost.push({ at: this.#now(), kind, what: write.describe });
    if (this.#lost.length > LOST_LISTED) this.#lost.shift();
  }

  #succeeded(): void {
    this.#inFlight = false;
    this.#queue.shift();
    this.#written++;
    if (this.#state === 'down')
      this.options.logger.warn(`store reachable again; ${this.#queue.length} writes pending`);
    this.#state = 'up';
    this.#lastError = null;
  }

  #markDown(error: unknown, write: StoreWrite): void {
    if (this.#state === 'up') {
      this.options.logger.warn(
        `store unreachable, holding writes and retrying: ${errorMessage(error)} (at ${write.describe})`,
      );
    }
    this.#state = 'down';
    this.#lastError = errorMessage(error);
  }

  /** Full jitter (AWS Architecture Blog, "Exponential Backoff and Jitter"): uniform in [0, min(cap, base·2^n)]. */
  #backoff(attempt: number): number {
    const ceiling = Math.min(this.options.retryMaxMs, this.options.retryBaseMs * 2 ** Math.min(attempt, 30));
    return Math.max(1, Math.floor(this.#random() * ceiling));
  }
}
