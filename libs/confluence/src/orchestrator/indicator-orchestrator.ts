import { type Timeframe, timeframeToMs } from '@app/contracts';
import type {
  ComponentContext,
  ComponentReading,
  ConfluenceComponent,
  TimeframeTrend,
} from '../components/component.types.js';
import { candleProblem } from '../domain/candle-validation.js';
import type {
  Candle,
  DerivativesSnapshot,
  MarketId,
  MarketKey,
  OrderBookSnapshot,
  Trade,
} from '../domain/market-data.types.js';
import { canonicalJson, sha256Hex } from '../hashing/sha256.js';
import type { EngineIndicators } from '../indicators/engine-indicators.js';
import type { SnapshotLimits } from '../snapshot/engine-snapshot.types.js';
import { ACCEPTED, type FeedResult, RejectReason, rejected } from './feed-result.js';
import {
  emptyMarketState,
  loadMarketState,
  type MarketState,
  type SavedMarketState,
  saveMarketState,
} from './market-state.js';
import { BatchStream, MarketStream, type StreamView } from './market-stream.js';
import { derivativesProblem, orderBookProblem, tradeProblem } from './snapshot-validation.js';

export interface OrchestratorOptions {
  /** Candles kept per stream for the components (price structure looks this far back). */
  readonly windowSize?: number;
  /** Most recent trades kept per market. */
  readonly maxTrades?: number;
  /** Most recent derivatives snapshots kept per market. */
  readonly maxDerivatives?: number;
}

export interface Readiness {
  readonly ready: boolean;
  readonly candles: number;
  readonly required: number;
}

/** Everything scored for one stream at its latest candle, with the digests of what was used. */
export interface StreamEvaluation {
  readonly key: MarketKey;
  readonly candleTime: number;
  readonly readings: readonly ComponentReading[];
  readonly inputDigests: Readonly<Record<string, string>>;
}

const marketKey = (m: MarketId): string => `${m.exchange}\u0000${m.symbol}`;

/**
 * Holds indicator state per market stream and feeds it incrementally: closed candles per
 * timeframe, plus the market's order book, trades and derivatives. Rejects what it cannot use
 * (invalid, duplicate, out-of-order) without touching state, and runs the components.
 */
export class IndicatorOrchestrator {
  readonly #markets = new Map<string, MarketState>();
  readonly #windowSize: number;
  readonly #maxTrades: number;
  readonly #maxDerivatives: number;

  constructor(
    private readonly indicators: EngineIndicators,
    private readonly components: readonly ConfluenceComponent[],
    options: OrchestratorOptions = {},
  ) {
    this.#windowSize = options.windowSize ?? 200;
    this.#maxTrades = options.maxTrades ?? 5000;
    this.#maxDerivatives = options.maxDerivatives ?? 100;
  }

  addCandle(key: MarketKey, candle: Candle): FeedResult {
    const problem = candleProblem(candle, key.timeframe);
    if (problem !== null) return rejected(RejectReason.Invalid, problem);
    const stream = this.#stream(key);
    if (!(stream instanceof MarketStream))
      return rejected(RejectReason.Invalid, 'stream was loaded frozen for a one-off analysis');
    const last = stream.lastCandle;
    if (candle.timestamp === last?.timestamp) {
      return rejected(RejectReason.Duplicate, `candle ${candle.timestamp} already analysed`);
    }
    if (last !== undefined && candle.timestamp < last.timestamp) {
      return rejected(RejectReason.OutOfOrder, `candle ${candle.timestamp} is older than ${last.timestamp}`);
    }
    stream.add(candle);
    return ACCEPTED;
  }

  /**
   * Replaces a stream's state with `candles` (oldest first); all-or-nothing. `frozen` loads them
   * through the batch kernels for a one-off analysis: faster, but the stream takes no more candles.
   */
  rebuild(key: MarketKey, candles: readonly Candle[], { frozen = false } = {}): FeedResult {
    for (let i = 0; i < candles.length; i++) {
      const candle = candles[i] as Candle;
      const problem = candleProblem(candle, key.timeframe);
      if (problem !== null) return rejected(RejectReason.Invalid, `candles[${i}]: ${problem}`);
      const previous = candles[i - 1];
      if (previous !== undefined && candle.timestamp <= previous.timestamp) {
        return rejected(RejectReason.OutOfOrder, `candles[${i}]: timestamps must increase strictly`);
      }
    }
    const { plan } = this.indicators;
    let stream: StreamView;
    if (frozen) stream = new BatchStream(key.timeframe, plan, candles, this.#windowSize);
    else {
      const live = new MarketStream(key.timeframe, plan, this.#windowSize);
      for (const candle of candles) live.add(candle);
      stream = live;
    }
    this.#market(key).streams.set(key.timeframe, stream);
    return ACCEPTED;
  }

  updateOrderBook(market: MarketId, snapshot: OrderBookSnapshot): FeedResult {
    const problem = orderBookProblem(snapshot);
    if (problem !== null) return rejected(RejectReason.Invalid, problem);
    const state = this.#market(market);
    if (state.orderBook !== undefined && snapshot.timestamp < state.orderBook.snapshot.timestamp) {
      return rejected(RejectReason.OutOfOrder, 'order book older than the current one');
    }
    state.orderBook = { snapshot, digest: sha256Hex(canonicalJson(snapshot)) };
    return ACCEPTED;
  }

  /** Appends trades (oldest first, not older than those already held). */
  addTrades(market: MarketId, trades: readonly Trade[]): FeedResult {
    const state = this.#market(market);
    let previous = state.trades.at(-1)?.timestamp ?? -Infinity;
    for (let i = 0; i < trades.length; i++) {
      const trade = trades[i] as Trade;
      const problem = tradeProblem(trade, i);
      if (problem !== null) return rejected(RejectReason.Invalid, problem);
      if (trade.timestamp < previous)
        return rejected(RejectReason.OutOfOrder, `trades[${i}] is older than the trade before it`);
      previous = trade.timestamp;
    }
    state.trades.push(...trades);
    if (state.trades.length > this.#maxTrades) state.trades = state.trades.slice(-this.#maxTrades);
    state.tradesDigest = sha256Hex(`${state.tradesDigest}|${canonicalJson(trades)}`);
    return ACCEPTED;
  }

  updateDerivatives(market: MarketId, snapshot: DerivativesSnapshot): FeedResult {
    const problem = derivativesProblem(snapshot);
    if (problem !== null) return rejected(RejectReason.Invalid, problem);
    const state = this.#market(market);
    const last = state.derivatives.at(-1);
    if (last !== undefined && snapshot.timestamp <= last.timestamp) {
      return rejected(RejectReason.OutOfOrder, 'derivatives snapshot not newer than the current one');
    }
    state.derivatives.push(snapshot);
    if (state.derivatives.length > this.#maxDerivatives) state.derivatives.shift();
    // Digested on arrival, not on every evaluation of every stream of the market.
    state.derivativesDigest = sha256Hex(canonicalJson(state.derivatives));
    return ACCEPTED;
  }

  /** The limits a saved market state must have been kept under to be restored here. */
  get limits(): SnapshotLimits {
    return { windowSize: this.#windowSize, maxTrades: this.#maxTrades, maxDerivatives: this.#maxDerivatives };
  }

  /**
   * The market's whole state (every timeframe, book, trades, derivatives) as plain data. Throws
   * SnapshotUnsupportedError when a stream was loaded frozen (`rebuild(..., { frozen: true })`).
   */
  saveMarket(market: MarketId): SavedMarketState {
    return saveMarketState(this.#markets.get(marketKey(market)) ?? emptyMarketState());
  }

  /**
   * Replaces the market's whole state with a saved one (same plan and limits assumed: the engine
   * checks them). Throws SnapshotError, leaving every market untouched, when it does not fit.
   */
  restoreMarket(market: MarketId, saved: unknown, path: string): void {
    const state = loadMarketState(
      saved,
      path,
      this.limits,
      (timeframe) => new MarketStream(timeframe, this.indicators.plan, this.#windowSize),
    );
    this.#markets.set(marketKey(market), state);
  }

  readiness(key: MarketKey): Readiness {
    const candles = this.#markets.get(marketKey(key))?.streams.get(key.timeframe)?.candleCount ?? 0;
    const required = this.indicators.plan.warmUp;
    return { ready: candles >= required, candles, required };
  }

  /** The latest indicator values of a stream, or null when it does not exist. */
  indicatorSnapshot(key: MarketKey): Readonly<Record<string, number | null>> | null {
    return this.#markets.get(marketKey(key))?.streams.get(key.timeframe)?.snapshot() ?? null;
  }

  /** Every stream the orchestrator holds. */
  streams(): MarketKey[] {
    const keys: MarketKey[] = [];
    for (const [id, state] of this.#markets) {
      const [exchange = '', symbol = ''] = id.split('\u0000');
      for (const timeframe of state.streams.keys()) keys.push({ exchange, symbol, timeframe });
    }
    return keys;
  }

  /** Drops a stream (e.g. when another worker takes the market over). */
  remove(key: MarketKey): void {
    this.#markets.get(marketKey(key))?.streams.delete(key.timeframe);
  }

  /** Runs every component for the stream's latest candle; null until the stream is warm. */
  evaluate(key: MarketKey): StreamEvaluation | null {
    const state = this.#markets.get(marketKey(key));
    const stream = state?.streams.get(key.timeframe);
    const last = stream?.lastCandle;
    if (state === undefined || stream === undefined || last === undefined || !this.readiness(key).ready)
      return null;
    const context: ComponentContext = {
      candles: stream.recentCandles(),
      intervalMs: timeframeToMs(key.timeframe),
      indicators: stream.indicators,
      names: this.indicators.names,
      orderBook: state.orderBook?.snapshot,
      trades: state.trades.length > 0 ? state.trades : undefined,
      derivatives: state.derivatives.length > 0 ? state.derivatives : undefined,
      otherTimeframes: this.#otherTrends(state, key.timeframe),
    };
    const inputDigests: Record<string, string> = { [`candles:${key.timeframe}`]: stream.digest };
    if (state.orderBook !== undefined) inputDigests.orderBook = state.orderBook.digest;
    if (state.trades.length > 0) inputDigests.trades = state.tradesDigest;
    if (state.derivatives.length > 0) inputDigests.derivatives = state.derivativesDigest;
    for (const [timeframe, other] of state.streams) {
      if (timeframe !== key.timeframe && other.isReady) inputDigests[`candles:${timeframe}`] = other.digest;
    }
    return {
      key,
      candleTime: last.timestamp,
      readings: this.components.map((component) => component.evaluate(context)),
      inputDigests,
    };
  }

  #otherTrends(state: MarketState, own: Timeframe): TimeframeTrend[] {
    const trends: TimeframeTrend[] = [];
    const { names } = this.indicators;
    for (const [timeframe, stream] of state.streams) {
      if (timeframe === own || !stream.isReady) continue;
      const fast = stream.indicators.get(names.fastAverage);
      const slow = stream.indicators.get(names.slowAverage);
      const atr = stream.indicators.get(names.atr);
      if (fast !== null && slow !== null && atr !== null && atr > 0)
        trends.push({ timeframe, trend: (fast - slow) / atr });
    }
    return trends;
  }

  #market(market: MarketId): MarketState {
    const id = marketKey(market);
    let state = this.#markets.get(id);
    if (state === undefined) {
      state = emptyMarketState();
      this.#markets.set(id, state);
    }
    return state;
  }

  #stream(key: MarketKey): StreamView {
    const state = this.#market(key);
    let stream = state.streams.get(key.timeframe);
    if (stream === undefined) {
      stream = new MarketStream(key.timeframe, this.indicators.plan, this.#windowSize);
      state.streams.set(key.timeframe, stream);
    }
    return stream;
  }
}
