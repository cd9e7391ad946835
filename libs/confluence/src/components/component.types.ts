import type { ComponentName } from '@app/contracts';
import type { Candle, DerivativesSnapshot, OrderBookSnapshot, Trade } from '../domain/market-data.types.js';
import type { EngineIndicatorNames } from '../indicators/engine-indicators.js';

/** One named sub-score: 0–100 (50 neutral, above 50 bullish) from a raw, normalised reading. */
export interface SubScore {
  readonly name: string;
  readonly score: number;
  /** The normalised value the mapping was applied to (e.g. imbalance −1..1, distance in ATRs). */
  readonly value: number;
  /** The raw indicator values and measurements behind it, for the breakdown. */
  readonly inputs: Readonly<Record<string, number | null>>;
}

/** What a component measured. No sub-scores means the component had no data. */
export interface ComponentReading {
  readonly component: ComponentName;
  readonly subScores: readonly SubScore[];
  /** Why sub-scores are missing (absent input, not warm yet), for the breakdown. */
  readonly missing: Readonly<Record<string, string>>;
  /**
   * As-of time of the stalest input source used: each source counts by its newest element (the
   * last candle's close time, the order book's time, the newest trade), for staleness.
   */
  readonly oldestInput: number | null;
}

/** Latest value of an indicator output by name; null before warm-up. */
export interface IndicatorReader {
  get(name: string): number | null;
}

/** The trend reading of another timeframe of the same market (multi-timeframe trend). */
export interface TimeframeTrend {
  readonly timeframe: string;
  /** (fast average − slow average) / ATR on that timeframe. */
  readonly trend: number;
}

/** Everything a component may read for one market stream at one candle. */
export interface ComponentContext {
  /** Recent closed candles of this stream, oldest first; the last is the candle being scored. */
  readonly candles: readonly Candle[];
  /** Duration of one candle of this stream (ms); a candle closes at timestamp + intervalMs. */
  readonly intervalMs: number;
  readonly indicators: IndicatorReader;
  readonly names: EngineIndicatorNames;
  /** Latest order-book snapshot, when the market has one. */
  readonly orderBook?: OrderBookSnapshot | undefined;
  /** Recent trades, oldest first, when the market has them. */
  readonly trades?: readonly Trade[] | undefined;
  /** Recent derivatives snapshots, oldest first, when the market has them. */
  readonly derivatives?: readonly DerivativesSnapshot[] | undefined;
  /** Trend readings of the market's other timeframes that are warm. */
  readonly otherTimeframes: readonly TimeframeTrend[];
}

/** A component: a pure function from context to a reading. */
export interface ConfluenceComponent {
  readonly name: ComponentName;
  evaluate(context: ComponentContext): ComponentReading;
}
