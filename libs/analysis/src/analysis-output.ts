import type { ResultFormatter } from '@app/confluence';
import { type AnalysisEventName, UpdateTrigger } from '@app/contracts';
import { type BusEventData } from '@app/contracts/dto';
import type { SignalChange } from '@app/persistence';
import type { AnalysisOutput, AnalysisUpdate, LabelChange } from './analysis.types.js';

export function storedChange(change: LabelChange): SignalChange {
  const { exchange, symbol, timeframe, time, from, to, score, confidence } = change;
  return { exchange, symbol, timeframe, time, from, to, score, confidence };
}

/**
 * `confluence.updated`: the compact (Socket.IO) shape plus provenance and the one-line reasoning;
 * a candle update also carries the domain result, which the gateways project into `GET latest`.
 */
export function updatedEvent(
  update: AnalysisUpdate,
  formatter: ResultFormatter,
  emittedAt: number,
): BusEventData<typeof AnalysisEventName.ConfluenceUpdated> {
  const compact = formatter.compact(update.result);
  return {
    ...compact,
    source: update.source,
    emittedAt,
    trigger: update.trigger === 'candle' ? UpdateTrigger.Candle : UpdateTrigger.Refresh,
    inputEmittedAt: update.inputEmittedAt,
    computedAt: update.result.computedAt,
    engineVersion: update.result.engineVersion,
    configHash: update.result.configHash,
    reasoning: formatter.reasoning(update.result),
    ...(update.trigger === 'candle' ? { result: { ...update.result } } : {}),
  };
}

export function changedEvent(
  change: LabelChange,
  emittedAt: number,
): BusEventData<typeof AnalysisEventName.SignalChanged> {
  return { ...change, emittedAt };
}

/** One log line per update: market, score, label, coverage (what a new user watches scroll by). */
export function updateLine(update: AnalysisUpdate): string {
  const { result } = update;
  const when = new Date(result.candleTime).toISOString().replace('.000Z', 'Z');
  return (
    `${result.exchange} ${result.symbol} ${result.timeframe} ${when}: ${result.score.toFixed(1)} ${result.label} ` +
    `(coverage ${Math.round(result.coverage * 100)} %, confidence ${result.confidence.toFixed(0)}` +
    `${update.trigger === 'refresh' ? ', refresh' : ''})`
  );
}

/**
 * The label changes of a batch with the candle result that made each (a change is always of a
 * candle result of the same batch); the first label of a stream (from nothing) is left out: it is
 * where a stream starts, not a change worth asking a model about.
 */
export function changedResults(
  output: Pick<AnalysisOutput, 'updates' | 'changes'>,
): { readonly change: LabelChange; readonly update: AnalysisUpdate }[] {
  const found: { change: LabelChange; update: AnalysisUpdate }[] = [];
  for (const change of output.changes) {
    if (change.from === null) continue;
    const update = output.updates.find(
      (u) =>
        u.trigger === 'candle' &&
        u.result.timeframe === change.timeframe &&
        u.result.candleTime === change.time,
    );
    if (update !== undefined) found.push({ change, update });
  }
  return found;
}
