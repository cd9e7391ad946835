import type { Candle, ConfluenceEngine, EngineSnapshot, MarketKey, RestoreOutcome } from '@app/confluence';
import { MarketEventName, type MarketRef, type Signal, type Timeframe, timeframeToMs } from '@app/contracts';
import type {
  AnalysisOutput,
  AnalysisUpdate,
  AnalyzerState,
  LabelChange,
  MarketEvent,
} from './analysis.types.js';

export interface AnalyzerOptions {
  /** Least time between two refreshes of a market (fresher book/flow between candle closes). */
  readonly refreshIntervalMs: number;
  /**
   * What a result is "as of" (its `computedAt`, and the time its staleness is measured against).
   * `wall`: the clock, for live data. `data`: the latest candle close this market has reached, for
   * replayed candles — years old by the wall clock, they would otherwise all read as years stale.
   * The data clock is also what makes a replay's results the same on every run, takeovers and
   * rebuilds included (it is derived from the analyzer's state, which snapshots carry).
   * Default `wall`.
   */
  readonly clock?: 'wall' | 'data';
}

type SnapshotEvent = Extract<
  MarketEvent,
  { name: typeof MarketEventName.OrderBookSnapshot | typeof MarketEventName.DerivativesSnapshot }
>;

/**
 * The analysis of one market (all its timeframes): feeds its engine, computes a result on every
 * closed candle, records label changes, and refreshes on fresher order-book / flow data at most
 * every `refreshIntervalMs`. Batches coalesce: of several order books (or derivatives snapshots)
 * between two candles only the newest is applied; candles are never skipped. Labels (and so
 * signals) move on candle results only, which keeps the stored history reproducible.
 */
export class MarketAnalyzer {
  readonly #candles = new Map<Timeframe, number>();
  readonly #labels = new Map<Timeframe, Signal>();
  #lastRefreshAt = -Infinity;

  constructor(
    readonly market: MarketRef,
    private readonly engine: ConfluenceEngine,
    private readonly options: AnalyzerOptions,
  ) {}

  /**
   * Replaces indicator state with stored candles (oldest first) and restores the labels. Each
   * stream loads what closed before the earliest of the streams' last closes; the rest is fed in
   * close order and scored (results discarded), so every timeframe's latest score is computed as
   * an unbroken run computed it: at its own close, beside the other streams as they were then.
   */
  rebuild(candles: ReadonlyMap<Timeframe, readonly Candle[]>, state: AnalyzerState, now: number): void {
    const lastCloses = [...candles].flatMap(([timeframe, list]) => {
      const last = list.at(-1);
      return last === undefined ? [] : [last.timestamp + timeframeToMs(timeframe)];
    });
    const cut = Math.min(...lastCloses);
    const tail: { timeframe: Timeframe; candle: Candle; close: number }[] = [];
    for (const [timeframe, list] of candles) {
      const interval = timeframeToMs(timeframe);
      const head = list.filter((candle) => candle.timestamp + interval < cut);
      for (const candle of list.slice(head.length))
        tail.push({ timeframe, candle, close: candle.timestamp + interval });
      const fed = this.engine.rebuild(this.#key(timeframe), head);
      if (!fed.accepted) throw new Error(`rebuild ${this.#describe(timeframe)}: ${fed.detail}`);
    }
    // Ties close shorter timeframes first, as replay and the exchange feeds publish them.
    tail.sort((a, b) => a.close - b.close || timeframeToMs(a.timeframe) - timeframeToMs(b.timeframe));
    for (const { timeframe, candle } of tail) {
      const fed = this.engine.addCandle(this.#key(timeframe), candle);
      if (!fed.accepted) throw new Error(`rebuild ${this.#describe(timeframe)}: ${fed.detail}`);
      this.#candles.set(timeframe, candle.timestamp);
      this.engine.analyze(this.#key(timeframe), this.#asOf(now));
    }
    this.#labels.clear();
    for (const [timeframe, label] of Object.entries(state.labels) as [Timeframe, Signal][])
      this.#labels.set(timeframe, label);
  }

  state(): AnalyzerState {
    return { candles: Object.fromEntries(this.#candles), labels: Object.fromEntries(this.#labels) };
  }

  /** The whole analysis state of the market: the engine's snapshot and where the analyzer stands. */
  snapshot(): { readonly engine: EngineSnapshot; readonly state: AnalyzerState } {
    return { engine: this.engine.snapshot(this.market), state: this.state() };
  }

  /**
   * Continues from a snapshot (see `snapshot`): afterwards the analyzer produces exactly what the
   * one that took it would have. Refused, with the engine's reason and nothing changed, when the
   * snapshot is of another market, engine version or configuration, or malformed.
   */
  restore(engine: unknown, state: AnalyzerState): RestoreOutcome {
    const header = engine as { exchange?: unknown; symbol?: unknown } | null;
    if (header?.exchange !== this.market.exchange || header.symbol !== this.market.symbol)
      return {
        restored: false,
        reason: `the snapshot is not of ${this.market.exchange} ${this.market.symbol}`,
      };
    const outcome = this.engine.restore(engine);
    if (!outcome.restored) return outcome;
    this.#candles.clear();
    for (const [timeframe, time] of Object.entries(state.candles) as [Timeframe, number][])
      this.#candles.set(timeframe, time);
    this.#labels.clear();
    for (const [timeframe, label] of Object.entries(state.labels) as [Timeframe, Signal][])
      this.#labels.set(timeframe, label);
    return outcome;
  }

  process(events: readonly MarketEvent[], now: number): AnalysisOutput {
    const updates: AnalysisUpdate[] = [];
    const changes: LabelChange[] = [];
    const counts = { candles: 0, skippedCandles: 0, coalesced: 0, snapshots: 0 };
    const pending: SnapshotEvent[] = [];
    let freshSince: MarketEvent | null = null;
    for (const event of events) {
      if (event.name === MarketEventName.CandleClosed) {
        counts.snapshots += this.#applySnapshots(pending, counts);
        freshSince = null;
        this.#candle(event, now, updates, changes, counts);
        continue;
      }
      freshSince = event;
      if (event.name === MarketEventName.TradesBatch) {
        const fed = this.engine.addTrades(this.market, event.payload.trades);
        if (fed.accepted) counts.snapshots++;
      } else pending.push(event);
    }
    counts.snapshots += this.#applySnapshots(pending, counts);
    if (freshSince !== null && now - this.#lastRefreshAt >= this.options.refreshIntervalMs) {
      this.#refresh(freshSince, now, updates);
    }
    return { market: this.market, updates, changes, counts };
  }

  #candle(
    event: Extract<MarketEvent, { name: typeof MarketEventName.CandleClosed }>,
    now: number,
    updates: AnalysisUpdate[],
    changes: LabelChange[],
    counts: { candles: number; skippedCandles: number },
  ): void {
    const { payload } = event;
    const key = this.#key(payload.timeframe);
    const fed = this.engine.addCandle(key, payload.candle);
    if (!fed.accepted) {
      counts.skippedCandles++;
      return;
    }
    counts.candles++;
    this.#candles.set(payload.timeframe, payload.candle.timestamp);
    const outcome = this.engine.analyze(key, this.#asOf(now));
    if (outcome.status !== 'ready') return;
    const { result } = outcome;
    updates.push({
      result,
      source: payload.source,
      trigger: 'candle',
      inputEmittedAt: payload.emittedAt,
      close: payload.candle.close,
    });
    const previous = this.#labels.get(payload.timeframe) ?? null;
    if (previous !== result.label) {
      this.#labels.set(payload.timeframe, result.label);
      changes.push({
        exchange: this.market.exchange,
        symbol: this.market.symbol,
        timeframe: payload.timeframe,
        source: payload.source,
        time: result.candleTime,
        from: previous,
        to: result.label,
        score: result.score,
        confidence: result.confidence,
      });
    }
  }

  /** Applies the newest pending order book and derivatives snapshot; older ones are coalesced away. */
  #applySnapshots(pending: SnapshotEvent[], counts: { coalesced: number }): number {
    if (pending.length === 0) return 0;
    let book: SnapshotEvent | undefined;
    let derivatives: SnapshotEvent | undefined;
    for (const event of pending) {
      if (event.name === MarketEventName.OrderBookSnapshot) book = event;
      else derivatives = event;
    }
    counts.coalesced += pending.length - (book === undefined ? 0 : 1) - (derivatives === undefined ? 0 : 1);
    pending.length = 0;
    let applied = 0;
    if (book?.name === MarketEventName.OrderBookSnapshot) {
      const { bids, asks, timestamp } = book.payload;
      if (this.engine.updateOrderBook(this.market, { timestamp, bids, asks }).accepted) applied++;
    }
    if (derivatives?.name === MarketEventName.DerivativesSnapshot) {
      const { timestamp, fundingRate, openInterest, longShortRatio, liquidations } = derivatives.payload;
      const snapshot = {
        timestamp,
        ...(fundingRate === undefined ? {} : { fundingRate }),
        ...(openInterest === undefined ? {} : { openInterest }),
        ...(longShortRatio === undefined ? {} : { longShortRatio }),
        ...(liquidations === undefined ? {} : { liquidations }),
      };
      if (this.engine.updateDerivatives(this.market, snapshot).accepted) applied++;
    }
    return applied;
  }

  /** Re-scores every warm timeframe on the fresher book/flow (published, not stored). */
  #refresh(input: MarketEvent, now: number, updates: AnalysisUpdate[]): void {
    this.#lastRefreshAt = now;
    const asOf = this.#asOf(now);
    for (const timeframe of this.#candles.keys()) {
      const outcome = this.engine.analyze(this.#key(timeframe), asOf);
      if (outcome.status !== 'ready') continue;
      updates.push({
        result: outcome.result,
        source: input.payload.source,
        trigger: 'refresh',
        inputEmittedAt: input.payload.emittedAt,
      });
    }
  }

  /** `now` on the wall clock; on the data clock, the latest candle close reached (see `clock`). */
  #asOf(now: number): number {
    if (this.options.clock !== 'data' || this.#candles.size === 0) return now;
    let latest = -Infinity;
    for (const [timeframe, time] of this.#candles) latest = Math.max(latest, time + timeframeToMs(timeframe));
    return latest;
  }

  #key(timeframe: Timeframe): MarketKey {
    return { exchange: this.market.exchange, symbol: this.market.symbol, timeframe };
  }

  #describe(timeframe: Timeframe): string {
    return `${this.market.exchange} ${this.market.symbol} ${timeframe}`;
  }
}
