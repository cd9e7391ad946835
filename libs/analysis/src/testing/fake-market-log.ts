import {
  type AnalysisMessage,
  compareOffsets,
  DataSource,
  isMarketEventName,
  type LogBatch,
  type LoggedMarketEvent,
  MarketEventLog,
  MarketEventName,
  type MarketRef,
  marketId,
  type RejectedLogEntry,
  StoredCheckpointSave,
  type Timeframe,
  timeframeToMs,
} from '@app/contracts';
import { type CandleClosedEvent, type EventData, validateBusEvent } from '@app/contracts/dto';
import type { Candle } from '@app/confluence';
import type { AnalyzerState } from '../analysis.types.js';

/** The one market the distributed-analysis-*.spec.ts suites analyse. */
export const MARKET: MarketRef = { exchange: 'binance', symbol: 'BTC/USDT' };
export const ID = marketId(MARKET);

export type CandleData = EventData<CandleClosedEvent>;

export function candleData(timeframe: Timeframe, candle: Candle): CandleData {
  return {
    ...MARKET,
    timeframe,
    source: DataSource.Replay,
    emittedAt: candle.timestamp + timeframeToMs(timeframe),
    candle: { ...candle },
  };
}

interface RawEntry {
  readonly offset: string;
  readonly name: string;
  readonly payload: unknown;
}

interface CommitCall {
  readonly market: string;
  readonly owner: string;
  readonly checkpoint: string;
  readonly events: readonly AnalysisMessage[];
  readonly accepted: boolean;
}

export interface Checkpoint extends AnalyzerState {
  readonly offset: string;
}

/**
 * The Redis market log in memory: per-market ordered entries (`1-0`, `2-0`, …), validated on
 * read, a blocking read woken by appends, and commits / stored checkpoints fenced by a lease table.
 */
export class FakeMarketLog extends MarketEventLog {
  readonly entries = new Map<string, RawEntry[]>();
  readonly leases = new Map<string, string>();
  readonly published = new Map<string, string>();
  readonly stored = new Map<string, string>();
  readonly commits: CommitCall[] = [];
  readonly storedCalls: {
    owner: string;
    offset: string;
    accepted: boolean;
    outcome: StoredCheckpointSave;
  }[] = [];
  /** Commits that fail with an error (Redis unreachable) before reaching the log. */
  failingCommits = 0;
  #waiters: (() => void)[] = [];

  append(market: MarketRef, name: string, payload: unknown): string {
    const list = this.entries.get(marketId(market)) ?? [];
    const offset = `${list.length + 1}-0`;
    // Stored as JSON, as on the stream.
    list.push({ offset, name, payload: JSON.parse(JSON.stringify(payload)) as unknown });
    this.entries.set(marketId(market), list);
    for (const wake of this.#waiters.splice(0)) wake();
    return offset;
  }

  appendCandles(events: readonly CandleData[]): string[] {
    return events.map((e) => this.append(MARKET, MarketEventName.CandleClosed, e));
  }

  lastOffset(market: MarketRef = MARKET): string {
    return this.entries.get(marketId(market))?.at(-1)?.offset ?? '0';
  }

  override async read(
    from: ReadonlyMap<string, { readonly market: MarketRef; readonly after: string }>,
    count: number,
    blockMs: number,
  ): Promise<LogBatch[]> {
    let batches = this.#collect(from, count);
    if (batches.length === 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, blockMs);
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
      batches = this.#collect(from, count);
    }
    return batches;
  }

  /** Entries before this offset are gone, as after a stream trim (MAXLEN). */
  trimmedBefore = '0';

  override async range(market: MarketRef, after: string, until: string): Promise<LogBatch | null> {
    await Promise.resolve();
    const all = (this.entries.get(marketId(market)) ?? []).filter(
      (e) => compareOffsets(e.offset, this.trimmedBefore) >= 0,
    );
    if (!all.some((e) => e.offset === after)) return null;
    const entries = all.filter(
      (e) => compareOffsets(e.offset, after) > 0 && compareOffsets(e.offset, until) <= 0,
    );
    return { market, ...parse(entries), lastOffset: entries.at(-1)?.offset ?? after };
  }

  override async candlesUntil(market: MarketRef, until: string): Promise<readonly CandleClosedEvent[]> {
    await Promise.resolve();
    const entries = (this.entries.get(marketId(market)) ?? []).filter(
      (e) => compareOffsets(e.offset, until) <= 0,
    );
    return parse(entries).events.flatMap((e) => (e.name === MarketEventName.CandleClosed ? [e.payload] : []));
  }

  override async checkpoints(
    market: MarketRef,
  ): Promise<{ published: string | null; stored: string | null }> {
    await Promise.resolve();
    const id = marketId(market);
    return { published: this.published.get(id) ?? null, stored: this.stored.get(id) ?? null };
  }

  override async commit(
    market: MarketRef,
    owner: string,
    checkpoint: string,
    events: readonly AnalysisMessage[],
  ): Promise<boolean> {
    await Promise.resolve();
    if (this.failingCommits > 0) {
      this.failingCommits--;
      throw new Error('connect ECONNREFUSED 127.0.0.1:6379');
    }
    const id = marketId(market);
    const accepted = this.leases.get(id) === owner;
    this.commits.push({ market: id, owner, checkpoint, events, accepted });
    if (accepted) this.published.set(id, checkpoint);
    return accepted;
  }

  override async saveStored(
    market: MarketRef,
    owner: string,
    offset: string,
    checkpoint: string,
  ): Promise<StoredCheckpointSave> {
    await Promise.resolve();
    const id = marketId(market);
    const current = this.stored.get(id);
    const outcome =
      this.leases.get(id) !== owner
        ? StoredCheckpointSave.LeaseLost
        : current === undefined || compareOffsets(offset, checkpointOf(current).offset) > 0
          ? StoredCheckpointSave.Saved
          : StoredCheckpointSave.NotNewer;
    const accepted = outcome === StoredCheckpointSave.Saved;
    this.storedCalls.push({ owner, offset, accepted, outcome });
    if (accepted) this.stored.set(id, checkpoint);
    return outcome;
  }

  /** Accepted commits' messages, in order. */
  messages(owner?: string): AnalysisMessage[] {
    return this.commits
      .filter((c) => c.accepted && (owner === undefined || c.owner === owner))
      .flatMap((c) => c.events);
  }

  #collect(
    from: ReadonlyMap<string, { readonly market: MarketRef; readonly after: string }>,
    count: number,
  ): LogBatch[] {
    const batches: LogBatch[] = [];
    for (const { market, after } of from.values()) {
      const entries = (this.entries.get(marketId(market)) ?? [])
        .filter((e) => compareOffsets(e.offset, after) > 0)
        .slice(0, count);
      const last = entries.at(-1);
      if (last !== undefined) batches.push({ market, ...parse(entries), lastOffset: last.offset });
    }
    return batches;
  }
}

function parse(entries: readonly RawEntry[]): { events: LoggedMarketEvent[]; rejected: RejectedLogEntry[] } {
  const events: LoggedMarketEvent[] = [];
  const rejected: RejectedLogEntry[] = [];
  for (const { offset, name, payload } of entries) {
    if (!isMarketEventName(name)) {
      rejected.push({ offset, name, errors: [`name: "${name}" is not a market event`] });
      continue;
    }
    const validated = validateBusEvent(name, payload);
    if (validated.ok) events.push({ offset, name, payload: validated.value } as LoggedMarketEvent);
    else rejected.push({ offset, name, errors: validated.errors });
  }
  return { events, rejected };
}

export function checkpointOf(json: string | null | undefined): Checkpoint {
  if (json === null || json === undefined) throw new Error('no checkpoint');
  return JSON.parse(json) as Checkpoint;
}
