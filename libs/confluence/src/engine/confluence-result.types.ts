import type { Timeframe } from '@app/contracts';
import type { ConfluenceScore } from '../scoring/score.types.js';
import type { WeightSet } from '../weights/weight-manager.js';

/** Bumped whenever a change alters any number or hash the engine produces for the same input. */
export const ENGINE_VERSION = '1.0.1';

/** One analysis of a market, triggered by a closed candle of `timeframe`. */
export interface ConfluenceResult extends ConfluenceScore {
  readonly exchange: string;
  readonly symbol: string;
  /** The timeframe whose candle close produced this result. */
  readonly timeframe: Timeframe;
  /** Open time of that candle (ms, UTC). */
  readonly candleTime: number;
  /** The caller's clock at analysis time (the engine has none of its own). */
  readonly computedAt: number;
  readonly engineVersion: string;
  /** SHA-256 of the engine version, indicator parameters and the symbol's weights. */
  readonly configHash: string;
  /** SHA-256 of the digests of every input used (candle chains per timeframe, book, trades, derivatives). */
  readonly inputHash: string;
  /** The indicator values of each timeframe at its latest candle. */
  readonly indicators: Readonly<Partial<Record<Timeframe, Readonly<Record<string, number | null>>>>>;
  readonly weights: WeightSet;
}

/** The engine either has a result or says how far from warm the stream is. */
export type AnalysisOutcome =
  | { readonly status: 'ready'; readonly result: ConfluenceResult }
  | { readonly status: 'warming-up'; readonly candles: number; readonly required: number };
