import type { ConfigShape, IndicatorsConfig } from '@app/config';
import { type Timeframe, timeframeToMs, errorMessage } from '@app/contracts';
import type { ConfluenceComponent } from '../components/component.types.js';
import type {
  DerivativesSnapshot,
  MarketId,
  MarketKey,
  OrderBookSnapshot,
  Trade,
  Candle,
} from '../domain/market-data.types.js';
import { canonicalJson, sha256Hex } from '../hashing/sha256.js';
import type { EngineIndicators } from '../indicators/engine-indicators.js';
import type { FeedResult } from '../orchestrator/feed-result.js';
import { IndicatorOrchestrator, type OrchestratorOptions } from '../orchestrator/indicator-orchestrator.js';
import type { ScoreCalculator } from '../scoring/score-calculator.js';
import type { TimeframeScore } from '../scoring/score.types.js';
import { headerMismatch, readHeader, SNAPSHOT } from '../snapshot/engine-snapshot.codec.js';
import {
  ENGINE_SNAPSHOT_FORMAT,
  ENGINE_SNAPSHOT_VERSION,
  type EngineSnapshot,
  type RestoreOutcome,
} from '../snapshot/engine-snapshot.types.js';
import { SnapshotError, toPortable } from '../snapshot/state-codec.js';
import type { WeightManager } from '../weights/weight-manager.js';
import { type AnalysisOutcome, type ConfluenceResult, ENGINE_VERSION } from './confluence-result.types.js';

/** A timeframe's latest score with the digests and indicator values behind it. */
interface LatestScore {
  readonly score: TimeframeScore;
  readonly digests: Readonly<Record<string, string>>;
  readonly indicators: Readonly<Record<string, number | null>>;
}

/** A self-contained request: candles per timeframe plus optional market context. */
export interface CandleAnalysisRequest {
  readonly exchange: string;
  readonly symbol: string;
  readonly candles: Readonly<Partial<Record<Timeframe, readonly Candle[]>>>;
  readonly orderBook?: OrderBookSnapshot;
  readonly trades?: readonly Trade[];
  readonly derivatives?: readonly DerivativesSnapshot[];
}

export type CandleAnalysisOutcome =
  AnalysisOutcome | { readonly status: 'rejected'; readonly field: string; readonly detail: string };

interface EngineParts {
  readonly indicators: EngineIndicators;
  readonly indicatorsConfig: ConfigShape<IndicatorsConfig>;
  readonly components: readonly ConfluenceComponent[];
  readonly weights: WeightManager;
  readonly calculator: ScoreCalculator;
  readonly options?: OrchestratorOptions;
}

/**
 * The engine's front door: feed market data, ask for the confluence result of a stream. Scores
 * of a market's other timeframes are those of their latest candles (kept per market), so a 1m
 * close is combined with the last 5m reading and its staleness shows.
 */
export class ConfluenceEngine {
  readonly #orchestrator: IndicatorOrchestrator;
  readonly #latest = new Map<string, Map<Timeframe, LatestScore>>();
  readonly #configHashes = new Map<string, string>();

  constructor(private readonly parts: EngineParts) {
    this.#orchestrator = new IndicatorOrchestrator(parts.indicators, parts.components, parts.options);
  }

  addCandle(key: MarketKey, candle: Candle): FeedResult {
    return this.#orchestrator.addCandle(key, candle);
  }

  // Every other feed kind and stream query, so callers never reach past the engine into its
  // orchestrator (see IndicatorOrchestrator for each one's rules).

  /** Replaces a stream's state with `candles`, oldest first; all-or-nothing. */
  rebuild(...args: Parameters<IndicatorOrchestrator['rebuild']>): FeedResult {
    return this.#orchestrator.rebuild(...args);
  }

  updateOrderBook(...args: Parameters<IndicatorOrchestrator['updateOrderBook']>): FeedResult {
    return this.#orchestrator.updateOrderBook(...args);
  }

  addTrades(...args: Parameters<IndicatorOrchestrator['addTrades']>): FeedResult {
    return this.#orchestrator.addTrades(...args);
  }

  updateDerivatives(...args: Parameters<IndicatorOrchestrator['updateDerivatives']>): FeedResult {
    return this.#orchestrator.updateDerivatives(...args);
  }

  readiness(key: MarketKey): ReturnType<IndicatorOrchestrator['readiness']> {
    return this.#orchestrator.readiness(key);
  }

  indicatorSnapshot(key: MarketKey): ReturnType<IndicatorOrchestrator['indicatorSnapshot']> {
    return this.#orchestrator.indicatorSnapshot(key);
  }

  /** Every stream the engine holds. */
  streams(): MarketKey[] {
    return this.#orchestrator.streams();
  }

  /** Drops a stream (e.g. when another worker takes the market over). */
  remove(key: MarketKey): void {
    this.#orchestrator.remove(key);
  }

  /** The bounds a snapshot of this engine must respect. */
  get limits(): IndicatorOrchestrator['limits'] {
    return this.#orchestrator.limits;
  }

  /** The result for the stream's latest candle, combined with the market's other timeframes. */
  analyze(key: MarketKey, now: number): AnalysisOutcome {
    const evaluation = this.#orchestrator.evaluate(key);
    if (evaluation === null) {
      const { candles, required } = this.#orchestrator.readiness(key);
      return { status: 'warming-up', candles, required };
    }
    const weights = this.parts.weights.forSymbol(key.symbol);
    const score = this.parts.calculator.scoreTimeframe({
      timeframe: key.timeframe,
      candleTime: evaluation.candleTime,
      readings: evaluation.readings,
      weights,
      now,
    });
    const market = this.#marketScores(key);
    if (score !== null) {
      market.set(key.timeframe, {
        score,
        digests: evaluation.inputDigests,
        indicators: this.#indicatorValues(key),
      });
    }
    return this.#assemble(key, evaluation.candleTime, now);
  }

  /** Stateless analysis of a request's own candles (REST `analyze`, CLI `score`), batch fast path. */
  analyzeCandles(request: CandleAnalysisRequest, now: number): CandleAnalysisOutcome {
    const engine = new ConfluenceEngine(this.parts);
    const market = { exchange: request.exchange, symbol: request.symbol };
    const timeframes = Object.keys(request.candles) as Timeframe[];
    for (const timeframe of timeframes) {
      const fed = engine.#orchestrator.rebuild({ ...market, timeframe }, request.candles[timeframe] ?? [], {
        frozen: true,
      });
      if (!fed.accepted) return { status: 'rejected', field: `candles.${timeframe}`, detail: fed.detail };
    }
    const extras: [string, FeedResult][] = [];
    if (request.orderBook !== undefined)
      extras.push(['orderBook', engine.#orchestrator.updateOrderBook(market, request.orderBook)]);
    if (request.trades !== undefined)
      extras.push(['trades', engine.#orchestrator.addTrades(market, request.trades)]);
    for (const [i, snapshot] of (request.derivatives ?? []).entries()) {
      extras.push([`derivatives[${i}]`, engine.#orchestrator.updateDerivatives(market, snapshot)]);
    }
    for (const [field, fed] of extras)
      if (!fed.accepted) return { status: 'rejected', field, detail: fed.detail };
    // Score the longest timeframe first, so the last (shortest) one's result combines them all
    // and names the result, as a live 1m close combines with the latest 5m reading.
    const ordered = [...timeframes].sort((a, b) => timeframeToMs(b) - timeframeToMs(a));
    let outcome: AnalysisOutcome = {
      status: 'warming-up',
      candles: 0,
      required: this.parts.indicators.plan.warmUp,
    };
    for (const timeframe of ordered) {
      const next = engine.analyze({ ...market, timeframe }, now);
      if (next.status === 'ready' || outcome.status !== 'ready') outcome = next;
    }
    return outcome;
  }

  /**
   * One market's whole state (every timeframe) as plain, versioned data, for a worker that takes the
   * market over: restored there, the engine goes on exactly as this one would. Throws
   * SnapshotUnsupportedError when a stream of the market was loaded frozen (a one-off analysis).
   */
  snapshot(market: MarketId): EngineSnapshot {
    return toPortable({
      format: ENGINE_SNAPSHOT_FORMAT,
      version: ENGINE_SNAPSHOT_VERSION,
      engineVersion: ENGINE_VERSION,
      configHash: this.configHash(market.symbol),
      exchange: market.exchange,
      symbol: market.symbol,
      limits: this.#orchestrator.limits,
      market: this.#orchestrator.saveMarket(market),
      latest: [...(this.#latest.get(marketId(market)) ?? [])].map(([timeframe, latest]) => ({
        timeframe,
        ...latest,
      })),
    });
  }

  /**
   * Replaces the snapshot's market with its state, every other market untouched. Refused (and
   * nothing changed) when the snapshot is malformed or from another format, engine version,
   * configuration or orchestrator limits; the reason says which.
   */
  restore(snapshot: unknown): RestoreOutcome {
    try {
      const header = readHeader(snapshot);
      const mismatch = headerMismatch(header, {
        format: ENGINE_SNAPSHOT_FORMAT,
        version: ENGINE_SNAPSHOT_VERSION,
        engineVersion: ENGINE_VERSION,
        configHash: this.configHash(header.symbol),
        exchange: header.exchange,
        symbol: header.symbol,
        limits: this.#orchestrator.limits,
      });
      if (mismatch !== null) return { restored: false, reason: mismatch };
      const { exchange, symbol, market, latest } = SNAPSHOT(snapshot, 'snapshot');
      this.#orchestrator.restoreMarket({ exchange, symbol }, market, 'snapshot.market');
      const scores = new Map(latest.map(({ timeframe, ...entry }) => [timeframe, entry]));
      this.#latest.set(marketId({ exchange, symbol }), scores);
      return { restored: true };
    } catch (error) {
      // Malformed snapshots are expected input (SnapshotError); anything else is a gap in the checks.
      if (error instanceof SnapshotError) return { restored: false, reason: `malformed ${error.message}` };
      const message = errorMessage(error);
      return { restored: false, reason: `unreadable snapshot: ${message}` };
    }
  }

  configHash(symbol: string): string {
    let hash = this.#configHashes.get(symbol);
    if (hash === undefined) {
      hash = sha256Hex(
        canonicalJson({
          engine: ENGINE_VERSION,
          indicators: this.parts.indicatorsConfig,
          weights: this.parts.weights.forSymbol(symbol),
        }),
      );
      this.#configHashes.set(symbol, hash);
    }
    return hash;
  }

  #assemble(key: MarketKey, candleTime: number, now: number): AnalysisOutcome {
    const market = this.#marketScores(key);
    const weights = this.parts.weights.forSymbol(key.symbol);
    const entries = [...market.values()];
    const combined = this.parts.calculator.combine(
      entries.map((e) => e.score),
      weights,
    );
    if (combined === null || !market.has(key.timeframe)) {
      const { candles, required } = this.#orchestrator.readiness(key);
      return { status: 'warming-up', candles, required };
    }
    // The result's own timeframe last: its digests are current, while another timeframe's entry
    // carries this stream's digest from when that timeframe was last scored.
    const own = market.get(key.timeframe);
    const ordered = [...entries.filter((e) => e !== own), ...(own === undefined ? [] : [own])];
    const digests = Object.assign({}, ...ordered.map((e) => e.digests)) as Record<string, string>;
    const result: ConfluenceResult = {
      ...combined,
      exchange: key.exchange,
      symbol: key.symbol,
      timeframe: key.timeframe,
      candleTime,
      computedAt: now,
      engineVersion: ENGINE_VERSION,
      configHash: this.configHash(key.symbol),
      inputHash: sha256Hex(canonicalJson(digests)),
      indicators: Object.fromEntries([...market].map(([tf, e]) => [tf, e.indicators])),
      weights,
    };
    return { status: 'ready', result };
  }

  #indicatorValues(key: MarketKey): Readonly<Record<string, number | null>> {
    return this.#orchestrator.indicatorSnapshot(key) ?? {};
  }

  #marketScores(key: MarketId): Map<Timeframe, LatestScore> {
    const id = marketId(key);
    let market = this.#latest.get(id);
    if (market === undefined) {
      market = new Map();
      this.#latest.set(id, market);
    }
    return market;
  }
}

const marketId = (market: MarketId): string => `${market.exchange}\u0000${market.symbol}`;
