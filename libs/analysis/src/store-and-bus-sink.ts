import type { ResultFormatter } from '@app/confluence';
import { AnalysisEventName, type EventBus, type ValidationSample } from '@app/contracts';
import {
  describeItems,
  type ResultRepository,
  type SignalChange,
  type SignalRepository,
  type StoredMarket,
  type StoredResult,
  storedResult,
  type StoreWriter,
  type ValidationSampleRepository,
} from '@app/persistence';
import { changedEvent, storedChange, updatedEvent } from './analysis-output.js';
import type { AnalysisOutput, AnalysisSink } from './analysis.types.js';
import { validationSampleOf } from './validation-samples.js';

export interface StoreAndBusSinkDeps {
  readonly writer: StoreWriter;
  readonly results: ResultRepository;
  readonly signals: SignalRepository;
  /** Forward validation's samples, one per stored result, written in the result's own batch. */
  readonly samples: Pick<ValidationSampleRepository, 'saveMany'>;
  readonly bus: EventBus;
  readonly formatter: ResultFormatter;
  readonly now: () => number;
}

/** Results per bulk write: bounds the memory one pending write holds (the write path bounds how many wait). */
const MAX_BATCH = 500;

/** Writes waiting for the store: whatever accumulates while the previous write runs goes in one bulk write. */
interface PendingWrite {
  readonly results: StoredResult[];
  readonly samples: ValidationSample[];
  readonly changes: SignalChange[];
  /** Run in order once the batch is written (the distributed worker's stored checkpoints). */
  readonly after: (() => Promise<void>)[];
}

/**
 * Candle results and label changes through the store's bounded, retried write path, events on
 * the bus. Results produced while a write is waiting or running join the next write, so a burst
 * (warm-up, replay, a backlog) costs one bulk write per round trip instead of one per result.
 */
export class StoreAndBusSink implements AnalysisSink {
  #pending: PendingWrite | null = null;

  constructor(private readonly deps: StoreAndBusSinkDeps) {}

  store(output: AnalysisOutput, after?: () => Promise<void>): boolean {
    const stored: StoredResult[] = [];
    const samples: ValidationSample[] = [];
    for (const update of output.updates) {
      if (update.trigger !== 'candle') continue;
      stored.push(storedResult(update.result));
      const sample = validationSampleOf(update);
      if (sample !== null) samples.push(sample);
    }
    const changes = output.changes.map(storedChange);
    if (stored.length === 0 && changes.length === 0 && after === undefined) return true;
    const batch = this.#pending;
    if (batch !== null && batch.results.length < MAX_BATCH) {
      batch.results.push(...stored);
      batch.samples.push(...samples);
      batch.changes.push(...changes);
      if (after !== undefined) batch.after.push(after);
      return true;
    }
    // Filled before it is queued: an idle write path runs the write at once, inside enqueue.
    const fresh: PendingWrite = {
      results: stored,
      samples,
      changes,
      after: after === undefined ? [] : [after],
    };
    this.#pending = fresh;
    if (this.#enqueue(fresh)) return true;
    if (this.#pending === fresh) this.#pending = null;
    return false;
  }

  /** Resolves once everything handed to `store` so far is written (or refused). */
  async flush(): Promise<void> {
    await this.deps.writer.flush();
  }

  /** Queues the write of `batch`; it takes what was added to it until the write first runs. */
  #enqueue(batch: PendingWrite): boolean {
    const { writer, results, samples, signals, now } = this.deps;
    return writer.enqueue({
      // Read when the write is logged (dropped, refused, left unwritten at a stop): by then the
      // batch holds everything it will write.
      get describe() {
        return describeBatch(batch);
      },
      // Retries rewrite the same documents: the repositories replace by (stream, candle time).
      run: async () => {
        if (this.#pending === batch) this.#pending = null;
        const storedAt = now();
        await results.saveMany(batch.results, storedAt);
        await samples.saveMany(batch.samples, storedAt);
        for (const change of batch.changes) await signals.record(change, storedAt);
        for (const after of batch.after) await after();
      },
    });
  }

  async publish(output: AnalysisOutput): Promise<void> {
    const { bus, formatter, now } = this.deps;
    for (const update of output.updates)
      await bus.publish(AnalysisEventName.ConfluenceUpdated, updatedEvent(update, formatter, now()));
    for (const change of output.changes)
      await bus.publish(AnalysisEventName.SignalChanged, changedEvent(change, now()));
  }
}

/** What a batch holds, stream by stream, so a write that is lost names what is missing. */
export function describeBatch(batch: {
  readonly results: readonly StoredResult[];
  readonly changes: readonly SignalChange[];
}): string {
  const parts = [
    ...describeItems(
      'results',
      batch.results.map((r) => ({ ...marketOf(r), time: r.candleTime })),
    ),
    ...describeItems(
      'signal changes',
      batch.changes.map((c) => ({ ...marketOf(c), time: c.time })),
    ),
  ];
  return parts.length === 0 ? 'checkpoints only' : parts.join('; ');
}

const marketOf = ({ exchange, symbol, timeframe }: StoredMarket): StoredMarket => ({
  exchange,
  symbol,
  timeframe,
});
