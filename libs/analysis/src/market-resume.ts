import type { Candle } from '@app/confluence';
import { compareOffsets, marketId, errorMessage } from '@app/contracts';
import type { AnalyzerState, CandleHistory, MarketSnapshot, SnapshotStore } from './analysis.types.js';

import type { MarketAnalyzer } from './market-analyzer.js';
import { processInTurns } from './process-in-turns.js';
import type { LogSink, MarketEventLog, MarketRef, Timeframe } from '@app/contracts';

/** A market's checkpoint in the log: the offset analysed up to, and the analyzer's position there. */
export interface Checkpoint extends AnalyzerState {
  readonly offset: string;
}

export interface MarketResumeDeps {
  readonly log: MarketEventLog;
  readonly history: CandleHistory;
  readonly snapshots: SnapshotStore;
  readonly now: () => number;
  readonly logger: LogSink;
  /** Stored candles loaded per timeframe when no snapshot can be used. */
  readonly rebuildCandles: number;
  readonly timeframesOf: (market: MarketRef) => readonly Timeframe[];
}

/**
 * Brings a fresh analyzer to a market's checkpoint when a worker takes the market over: exactly,
 * from the newest snapshot and the log after it; or, when no snapshot can be used, from the
 * stored candles before the checkpoint (then results depend on how far back they reach, which is
 * logged as a warning and counted).
 */
export class MarketResume {
  #restores = 0;
  #rebuilds = 0;

  constructor(private readonly deps: MarketResumeDeps) {}

  get restores(): number {
    return this.#restores;
  }

  get rebuilds(): number {
    return this.#rebuilds;
  }

  /** Brings `analyzer` to `base`; says how, for the takeover's log line. */
  async resume(market: MarketRef, analyzer: MarketAnalyzer, base: Checkpoint): Promise<string> {
    const restored = await this.#restore(market, analyzer, base);
    if (restored.ok) return restored.how;
    const candles = await this.#rebuildCandles(market, base);
    let count = 0;
    for (const list of candles.values()) count += list.length;
    analyzer.rebuild(candles, base, this.deps.now());
    this.#rebuilds++;
    this.deps.logger.warn(
      `${marketId(market)}: ${restored.why}; rebuilt from ${count} stored candle(s) instead`,
    );
    return `rebuilt from ${count} stored candle(s)`;
  }

  /**
   * The exact way back: the newest saved snapshot at or before the checkpoint, then the log
   * between the two replayed through the analyzer (results discarded: they were stored and
   * published already, or are redone from the checkpoint on). Not usable when there is none,
   * when it is past the checkpoint, from another engine or configuration, or when the log no
   * longer holds what followed it; the reason is returned.
   */
  async #restore(
    market: MarketRef,
    analyzer: MarketAnalyzer,
    base: Checkpoint,
  ): Promise<{ ok: true; how: string } | { ok: false; why: string }> {
    let saved: MarketSnapshot | null;
    try {
      saved = await this.deps.snapshots.load(market);
    } catch (error) {
      return { ok: false, why: `snapshot unreadable (${errorMessage(error)})` };
    }
    if (saved?.offset == null) return { ok: false, why: 'no snapshot' };
    if (compareOffsets(saved.offset, base.offset) > 0)
      return { ok: false, why: `the snapshot at ${saved.offset} is past the checkpoint ${base.offset}` };
    const between =
      saved.offset === base.offset
        ? { events: [], lastOffset: base.offset }
        : await this.deps.log.range(market, saved.offset, base.offset);
    if (between === null)
      return { ok: false, why: `the log no longer holds the entries after the snapshot at ${saved.offset}` };
    let engine: unknown;
    try {
      engine = JSON.parse(saved.data);
    } catch {
      return { ok: false, why: `the snapshot at ${saved.offset} is not JSON` };
    }
    const outcome = analyzer.restore(engine, { candles: saved.position, labels: saved.labels });
    if (!outcome.restored)
      return { ok: false, why: `snapshot at ${saved.offset} refused: ${outcome.reason}` };
    await processInTurns(analyzer, between.events, this.deps.now());
    this.#restores++;
    return {
      ok: true,
      how: `restored the snapshot at ${saved.offset} and replayed ${between.events.length} log entries`,
    };
  }

  /** Stored candles up to the checkpoint's, per timeframe, plus any the store had not written yet. */
  async #rebuildCandles(market: MarketRef, base: Checkpoint): Promise<Map<Timeframe, Candle[]>> {
    const candles = new Map<Timeframe, Candle[]>();
    let tail: Awaited<ReturnType<MarketEventLog['candlesUntil']>> | null = null;
    for (const timeframe of this.deps.timeframesOf(market)) {
      const until = base.candles[timeframe];
      if (until === undefined) continue;
      const list = await this.deps.history.candlesUntil(market, timeframe, until, this.deps.rebuildCandles);
      const lastStored = list.at(-1)?.timestamp ?? -Infinity;
      if (lastStored < until) {
        tail ??= await this.deps.log.candlesUntil(market, base.offset);
        for (const event of tail)
          if (
            event.timeframe === timeframe &&
            event.candle.timestamp > lastStored &&
            event.candle.timestamp <= until
          )
            list.push({
              timestamp: event.candle.timestamp,
              open: event.candle.open,
              high: event.candle.high,
              low: event.candle.low,
              close: event.candle.close,
              volume: event.candle.volume,
            });
        if ((list.at(-1)?.timestamp ?? -Infinity) < until)
          this.deps.logger.warn(
            `${marketId(market)} ${timeframe}: candles up to ${new Date(until).toISOString()} are neither stored nor in the log; rebuilding without them`,
          );
      }
      candles.set(timeframe, list.slice(-this.deps.rebuildCandles));
    }
    return candles;
  }
}

export function parseCheckpoint(json: string | null): Checkpoint | null {
  if (json === null) return null;
  try {
    const value = JSON.parse(json) as Partial<Checkpoint>;
    if (
      typeof value.offset !== 'string' ||
      typeof value.candles !== 'object' ||
      typeof value.labels !== 'object'
    )
      return null;
    return value as Checkpoint;
  } catch {
    return null;
  }
}
