import type { Candle } from '@app/confluence';
import type { ComponentName, Signal, Timeframe } from '@app/contracts';

/** One candle file to replay: its candles and the market they are scored as. */
export interface BacktestMarket {
  /** What reports call it (the file's path). */
  readonly name: string;
  readonly exchange: string;
  readonly symbol: string;
  readonly timeframe: Timeframe;
  readonly candles: readonly Candle[];
}

/** What the engine said about one closed candle, as the worker would have stored it. */
export interface BacktestRow {
  /** Open time of the candle scored (ms, UTC). */
  readonly time: number;
  /** Index of that candle in the market's file (baselines are computed over the whole file). */
  readonly candleIndex: number;
  readonly close: number;
  readonly score: number;
  readonly label: Signal;
  /** Each component's score; null when it had no data. */
  readonly components: Readonly<Record<ComponentName, number | null>>;
  /** Each sub-score by `component.subScore`; null when it had no data. */
  readonly subScores: Readonly<Record<string, number | null>>;
  /** The score with the component's weight set to 0; null when no other component had data. */
  readonly leaveOneOut: Readonly<Record<ComponentName, number | null>>;
}

/** The rows of one market. */
export interface MarketRows {
  readonly market: Omit<BacktestMarket, 'candles'>;
  readonly candles: readonly Candle[];
  readonly rows: readonly BacktestRow[];
  /** Candles the engine needs before its first score (its warm-up). */
  readonly required: number;
}

/** `volume.obv`: how sub-scores are named in rows and reports. */
export const subScoreKey = (component: ComponentName, subScore: string): string => `${component}.${subScore}`;
