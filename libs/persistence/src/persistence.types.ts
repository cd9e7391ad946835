import type { Candle, DataSource, Signal, Timeframe } from '@app/contracts';

/** One market stream: a symbol on an exchange at a timeframe. */
export interface StoredMarket {
  readonly exchange: string;
  readonly symbol: string;
  readonly timeframe: Timeframe;
}

/** A computed confluence result as stored; `breakdown` is the full REST rendering. */
export interface StoredResult extends StoredMarket {
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
  readonly breakdown: Readonly<Record<string, unknown>>;
}

/** A change of label: the signal history. */
export interface SignalChange extends StoredMarket {
  readonly time: number;
  readonly from: Signal | null;
  readonly to: Signal;
  readonly score: number;
  readonly confidence: number;
}

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
