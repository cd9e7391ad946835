import type { ComponentName, Signal, Timeframe } from '@app/contracts';
import type { SubScore } from '../components/component.types.js';

export interface WeightedSubScore extends SubScore {
  /** Configured weight inside its component, and the weight after renormalising over those present. */
  readonly weight: number;
  readonly effectiveWeight: number;
}

export interface ComponentScore {
  readonly component: ComponentName;
  readonly available: boolean;
  /** Null when the component had no data (it is then left out, never counted as 50). */
  readonly score: number | null;
  readonly weight: number;
  readonly effectiveWeight: number;
  /** Share of this component's sub-score weight that had data. */
  readonly coverage: number;
  readonly subScores: readonly WeightedSubScore[];
  readonly missing: Readonly<Record<string, string>>;
}

export interface TimeframeScore {
  readonly timeframe: Timeframe;
  readonly score: number;
  readonly label: Signal;
  /** 0–100: coverage × the share of weight whose components point the way of the label. */
  readonly confidence: number;
  /** 0–1: share of the configured component weight that had data. */
  readonly coverage: number;
  /** Milliseconds between `now` and the oldest latest input used. */
  readonly staleness: number;
  /** Open time of the last closed candle scored. */
  readonly candleTime: number;
  readonly components: readonly ComponentScore[];
}

export interface ConfluenceScore {
  readonly score: number;
  readonly label: Signal;
  readonly confidence: number;
  readonly coverage: number;
  readonly staleness: number;
  readonly thresholds: { readonly short: number; readonly long: number };
  /** Timeframe weights after renormalising over the timeframes that have a score. */
  readonly timeframeWeights: Readonly<Partial<Record<Timeframe, number>>>;
  readonly timeframes: readonly TimeframeScore[];
}
