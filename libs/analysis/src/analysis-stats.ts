import type { AnalysisOutput, AnalysisUpdate } from './analysis.types.js';
import { LagTracker } from './lag-tracker.js';

export interface AnalysisCounters {
  readonly candles: number;
  readonly results: number;
  readonly refreshes: number;
  readonly signals: number;
  readonly skippedCandles: number;
  readonly coalesced: number;
  /** Bus/log entries refused on receipt (malformed), never processed. */
  readonly rejected: number;
  /** Batches the store's write path refused (buffer full); counted and logged there too. */
  readonly storeRefused: number;
}

/** What both drivers count, and the lag between an input's publication and its result's. */
export class AnalysisStats {
  readonly lag = new LagTracker();
  #counters: AnalysisCounters = {
    candles: 0,
    results: 0,
    refreshes: 0,
    signals: 0,
    skippedCandles: 0,
    coalesced: 0,
    rejected: 0,
    storeRefused: 0,
  };

  add(output: AnalysisOutput, publishedAt: number | null): void {
    const c = this.#counters;
    const candleResults = output.updates.filter((u: AnalysisUpdate) => u.trigger === 'candle').length;
    this.#counters = {
      ...c,
      candles: c.candles + output.counts.candles,
      results: c.results + candleResults,
      refreshes: c.refreshes + output.updates.length - candleResults,
      signals: c.signals + output.changes.length,
      skippedCandles: c.skippedCandles + output.counts.skippedCandles,
      coalesced: c.coalesced + output.counts.coalesced,
    };
    if (publishedAt !== null)
      for (const update of output.updates) this.lag.record(publishedAt - update.inputEmittedAt);
  }

  rejected(count = 1): void {
    this.#counters = { ...this.#counters, rejected: this.#counters.rejected + count };
  }

  storeRefused(): void {
    this.#counters = { ...this.#counters, storeRefused: this.#counters.storeRefused + 1 };
  }

  counters(): AnalysisCounters {
    return this.#counters;
  }
}
