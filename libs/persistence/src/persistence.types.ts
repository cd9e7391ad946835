import type { Candle, DataSource, LlmOpinion, Signal, StreamRef } from '@app/contracts';

/** One market stream, as the store keys it (the domain's StreamRef). */
export type StoredMarket = StreamRef;

/** The headline of a computed confluence result: what the store indexes and filters on. */
export interface ResultHeadline extends StoredMarket {
  /** Open time of the candle that produced it (ms, UTC). */
  readonly candleTime: number;
  readonly computedAt: number;
  readonly score: number;
  readonly label: Signal;
  readonly confidence: number;
  readonly coverage: number;
  readonly staleness: number;
  readonly engineVersion: string;
  readonly configHash: string;
  readonly inputHash: string;
}

/**
 * How a stored result's `result` is shaped. 1: the engine's domain result as computed
 * (ConfluenceResult), rendered for clients at the edge, so the API can change without rewriting
 * history. 0: a document written before results were stored this way, holding the v1 REST
 * rendering itself (served as it is).
 */
export const ResultFormat = { RenderedV1: 0, Domain: 1 } as const;
export type ResultFormat = (typeof ResultFormat)[keyof typeof ResultFormat];

/** A computed confluence result as stored: its headline (indexed) and the result itself. */
export interface StoredResult extends ResultHeadline {
  readonly format: ResultFormat;
  /** Plain data: the domain result (format 1) or the legacy rendering (format 0). */
  readonly result: Readonly<Record<string, unknown>>;
  /**
   * A model's opinion about this result, once one was attached (`ResultRepository.attachOpinion`);
   * absent (no key) until then. Saving a result never writes it: a re-store of the same inputs
   * keeps the stored one, a re-store with other inputs drops it.
   */
  readonly llm?: LlmOpinion;
}

/**
 * The stored form of a domain result: its headline fields (the store indexes and filters on
 * them) and the whole result, as computed.
 */
export function storedResult(result: ResultHeadline): StoredResult {
  return {
    exchange: result.exchange,
    symbol: result.symbol,
    timeframe: result.timeframe,
    candleTime: result.candleTime,
    computedAt: result.computedAt,
    score: result.score,
    label: result.label,
    confidence: result.confidence,
    coverage: result.coverage,
    staleness: result.staleness,
    engineVersion: result.engineVersion,
    configHash: result.configHash,
    inputHash: result.inputHash,
    format: ResultFormat.Domain,
    result: { ...result },
  };
}

// The signal history holds the domain's SignalChange as it is.
export type { SignalChange } from '@app/contracts';

export interface StoredCandle extends StoredMarket, Candle {
  readonly source: DataSource;
}

export interface CachedAnalysis {
  readonly key: string;
  readonly model: string;
  readonly value: Readonly<Record<string, unknown>>;
  readonly createdAt: number;
  readonly expiresAt: number;
}

/** One model's spend on one UTC day. */
export interface DailyCost {
  readonly day: string;
  readonly model: string;
  readonly requests: number;
  readonly promptTokens: number;
  readonly completionTokens: number;
  readonly costUsd: number;
}

/** A page of a time-ordered listing, newest first; `nextCursor` is null on the last page. */
export interface Page<T> {
  readonly items: readonly T[];
  readonly nextCursor: string | null;
}
