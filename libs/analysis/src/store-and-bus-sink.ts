import type { ResultFormatter } from '@app/confluence';
import { AnalysisEventName, type EventBus } from '@app/contracts';
import type { ResultRepository, SignalRepository, StoreWriter } from '@app/persistence';
import { changedEvent, storedChange, storedResult, updatedEvent } from './analysis-output.js';
import type { AnalysisOutput, AnalysisSink } from './analysis.types.js';

export interface StoreAndBusSinkDeps {
  readonly writer: StoreWriter;
  readonly results: ResultRepository;
  readonly signals: SignalRepository;
  readonly bus: EventBus;
  readonly formatter: ResultFormatter;
  readonly now: () => number;
}

/** Candle results and label changes through the store's bounded, retried write path; events on the bus. */
export class StoreAndBusSink implements AnalysisSink {
  constructor(private readonly deps: StoreAndBusSinkDeps) {}

  store(output: AnalysisOutput, after?: () => Promise<void>): boolean {
    const { writer, results, signals, formatter, now } = this.deps;
    const stored = output.updates
      .filter((u) => u.trigger === 'candle')
      .map((u) => storedResult(u, formatter));
    const changes = output.changes.map(storedChange);
    if (stored.length === 0 && changes.length === 0 && after === undefined) return true;
    const first = stored[0]?.candleTime ?? changes[0]?.time;
    return writer.enqueue({
      describe: `${stored.length} result(s), ${changes.length} signal(s) of ${output.market.exchange} ${output.market.symbol}${first === undefined ? '' : ` from ${new Date(first).toISOString()}`}`,
      // Idempotent: both repositories replace by (stream, candle time), so a retry rewrites the same.
      run: async () => {
        const storedAt = now();
        for (const result of stored) await results.save(result, storedAt);
        for (const change of changes) await signals.record(change, storedAt);
        await after?.();
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
