import { setImmediate as nextTurn } from 'node:timers/promises';
import { MarketEventName } from '@app/contracts';
import type { AnalysisOutput, MarketEvent } from './analysis.types.js';
import type { MarketAnalyzer } from './market-analyzer.js';

/**
 * Closed candles analysed between two turns of the event loop. A candle's analysis takes about
 * 1–3 ms (more on a busy machine), so a turn stays in the tens of milliseconds, far inside the
 * leases' renew period (a third of `analysis.leaseTtlMs`).
 */
export const CANDLES_PER_TURN = 8;

/**
 * `analyzer.process(events, now)`, in turns of at most `candlesPerTurn` closed candles with the
 * event loop free between them. A worker's batch (up to `analysis.batchSize` events) or a
 * takeover's replay done in one synchronous call held the event loop for seconds on a busy
 * machine: lease renewals waited behind it, every lease lapsed at once and markets changed hands
 * for nothing. A turn ends only right after a closed candle, where the analyzer holds nothing
 * pending, so the output equals one call over all the events (same updates, changes and counts).
 */
export async function processInTurns(
  analyzer: MarketAnalyzer,
  events: readonly MarketEvent[],
  now: number,
  candlesPerTurn = CANDLES_PER_TURN,
): Promise<AnalysisOutput> {
  return (await processUntilStopped(analyzer, events, now, { candlesPerTurn })).output;
}

/** What `processUntilStopped` analysed: the first `processed` events, and their output. */
export interface PartialOutput {
  readonly output: AnalysisOutput;
  readonly processed: number;
}

/**
 * `processInTurns` that ends early, between two turns, once `stop` is aborted: a stopping worker
 * commits what it computed and hands the rest of its batch back instead of finishing it. The
 * analyzer then stands right after the last event processed (a closed candle, nothing pending),
 * so its state there is a checkpoint the next owner resumes from exactly.
 */
export async function processUntilStopped(
  analyzer: MarketAnalyzer,
  events: readonly MarketEvent[],
  now: number,
  { candlesPerTurn = CANDLES_PER_TURN, stop }: { candlesPerTurn?: number; stop?: AbortSignal } = {},
): Promise<PartialOutput> {
  const outputs: AnalysisOutput[] = [];
  let start = 0;
  let candles = 0;
  for (let i = 0; i < events.length; i++) {
    if ((events[i] as MarketEvent).name !== MarketEventName.CandleClosed) continue;
    if (++candles < candlesPerTurn || i === events.length - 1) continue;
    outputs.push(analyzer.process(events.slice(start, i + 1), now));
    start = i + 1;
    candles = 0;
    await nextTurn();
    if (stop?.aborted === true) return { output: merge(outputs), processed: start };
  }
  if (start < events.length || outputs.length === 0) outputs.push(analyzer.process(events.slice(start), now));
  return { output: merge(outputs), processed: events.length };
}

function merge(outputs: readonly AnalysisOutput[]): AnalysisOutput {
  const [first] = outputs;
  if (outputs.length === 1 && first !== undefined) return first;
  const counts = { candles: 0, skippedCandles: 0, coalesced: 0, snapshots: 0 };
  for (const { counts: c } of outputs) {
    counts.candles += c.candles;
    counts.skippedCandles += c.skippedCandles;
    counts.coalesced += c.coalesced;
    counts.snapshots += c.snapshots;
  }
  return {
    market: (first as AnalysisOutput).market,
    updates: outputs.flatMap((o) => o.updates),
    changes: outputs.flatMap((o) => o.changes),
    counts,
  };
}
