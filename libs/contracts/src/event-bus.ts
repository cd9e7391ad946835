import type { BusEventData, BusEventPayload } from './bus-events.js';
import type { AnalysisEventName, BusEventName, MarketEventName } from './event-names.js';
import type { CandleClosedEvent } from './market-events.js';
import type { Timeframe } from './timeframe.js';

export type BusHandler<N extends BusEventName> = (payload: BusEventPayload<N>) => void | Promise<void>;

/** Counters every bus keeps, by subject; readiness and metrics read them. */
export interface BusStats {
  readonly published: Readonly<Record<string, number>>;
  readonly delivered: Readonly<Record<string, number>>;
  /** Messages refused on receipt because they failed validation (never handed to a handler). */
  readonly rejected: Readonly<Record<string, number>>;
  /** Handlers that threw; the message is logged and the subscriber keeps running. */
  readonly handlerErrors: Readonly<Record<string, number>>;
}

/**
 * The one bus interface the apps publish and subscribe through (an abstract class so Nest can
 * inject it by type). `subscribe` is a broadcast: every subscriber, in every process, gets every
 * event published after it subscribed. Payloads are validated on receipt, whatever the
 * transport: a subscriber only ever sees a payload that passed its event's class.
 */
export abstract class EventBus {
  abstract publish<N extends BusEventName>(name: N, payload: BusEventData<N>): Promise<void>;
  /** Returns the function that unsubscribes. */
  abstract subscribe<N extends BusEventName>(name: N, handler: BusHandler<N>): () => void;
  abstract stats(): BusStats;
}

/** A market: a symbol on an exchange (all its timeframes are analysed together). */
export interface MarketRef {
  readonly exchange: string;
  readonly symbol: string;
}

export const marketId = (market: MarketRef): string => `${market.exchange}:${market.symbol}`;

/** A market stream: one symbol on one exchange at one timeframe (what is scored, stored, served). */
export interface StreamRef extends MarketRef {
  readonly timeframe: Timeframe;
}

/** One market event as the durable log holds it: its position, subject and validated payload. */
export type LoggedMarketEvent = {
  readonly [N in MarketEventName]: {
    readonly offset: string;
    readonly name: N;
    readonly payload: BusEventPayload<N>;
  };
}[MarketEventName];

/** A log entry that failed validation: skipped (logged and counted), never processed. */
export interface RejectedLogEntry {
  readonly offset: string;
  readonly name: string;
  readonly errors: readonly string[];
}

export interface LogBatch {
  readonly market: MarketRef;
  readonly events: readonly LoggedMarketEvent[];
  readonly rejected: readonly RejectedLogEntry[];
  /** Offset of the last entry read (valid or not): where the next read continues. */
  readonly lastOffset: string;
}

/**
 * The distributed mode's durable, per-market, ordered log of market events (what market-data
 * publishes). A worker that owns a market reads it from its checkpoint, so a market handed over
 * after a crash continues where the last commit left it, and no closed candle is skipped.
 */
export abstract class MarketEventLog {
  /**
   * Entries after each market's offset (`'0'` = from the oldest retained), at most `count` per
   * market, waiting up to `blockMs` when there is none yet.
   */
  abstract read(
    from: ReadonlyMap<string, { readonly market: MarketRef; readonly after: string }>,
    count: number,
    blockMs: number,
  ): Promise<LogBatch[]>;
  /**
   * The market's entries after `after` up to `until` (inclusive), oldest first, or null when the
   * log no longer holds the entry at `after` itself (trimmed, or never there): then entries after
   * it may be gone as well, and the caller must not treat the range as complete.
   */
  abstract range(market: MarketRef, after: string, until: string): Promise<LogBatch | null>;
  /** Closed candles retained in a market's log up to `until` (inclusive), oldest first. */
  abstract candlesUntil(market: MarketRef, until: string): Promise<readonly CandleClosedEvent[]>;
  /**
   * The market's checkpoints (opaque JSON written by the worker): `published` moves atomically
   * with what was published, `stored` once those results reached the store.
   */
  abstract checkpoints(market: MarketRef): Promise<{ published: string | null; stored: string | null }>;
  /**
   * Publishes `events` and sets the published checkpoint in one atomic step, only while `owner`
   * holds the market's lease: false (nothing published) when it does not. This fencing is what
   * keeps a worker that lost its market from publishing a result twice.
   */
  abstract commit(
    market: MarketRef,
    owner: string,
    checkpoint: string,
    events: readonly AnalysisMessage[],
  ): Promise<boolean>;
  /**
   * Sets the stored checkpoint, only while `owner` holds the lease and only forward (by `offset`);
   * says which of the two refused it when it does not (the lease is checked first).
   */
  abstract saveStored(
    market: MarketRef,
    owner: string,
    offset: string,
    checkpoint: string,
  ): Promise<StoredCheckpointSave>;
}

/** What `MarketEventLog.saveStored` did. */
export const StoredCheckpointSave = {
  Saved: 'saved',
  /** `owner` no longer holds the market's lease: another worker does, or nobody (it lapsed). */
  LeaseLost: 'lease-lost',
  /** The stored checkpoint is at or past `offset` already (a re-store after a takeover). */
  NotNewer: 'not-newer',
} as const;
export type StoredCheckpointSave = (typeof StoredCheckpointSave)[keyof typeof StoredCheckpointSave];

/** An analysis event to publish in a commit. */
export type AnalysisMessage = {
  readonly [N in AnalysisEventName]: { readonly name: N; readonly payload: BusEventData<N> };
}[AnalysisEventName];

/** Orders two log offsets (`<ms>-<seq>`, as Redis stream ids): negative when `a` comes first. */
export function compareOffsets(a: string, b: string): number {
  const [am = 0, as = 0] = a.split('-').map(Number);
  const [bm = 0, bs = 0] = b.split('-').map(Number);
  return am === bm ? as - bs : am - bm;
}
