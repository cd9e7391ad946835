import type { Candle } from '@app/confluence';
import { seededRng } from '../stats/random.js';
import type { BacktestRow } from './backtest.types.js';
import { type RatingLabel, ratingLabel, technicalRating } from './technical-rating.js';

/** What the score is compared with, on the same rows. */
export interface Baselines {
  /** TradingView-style Technical Rating, −1..1 (see technical-rating.ts). */
  readonly technicalRating: Float64Array;
  readonly technicalRatingLabels: readonly (RatingLabel | null)[];
  /** ln(close_t / close_{t−N}): plain N-candle momentum. */
  readonly momentum: Float64Array;
  /** Uniform noise from the seed: what "no information" looks like on these rows. */
  readonly random: Float64Array;
}

export interface BaselineOptions {
  readonly momentum: number;
  readonly seed: number;
}

/** The baselines at each row's candle, computed over the whole file the rows came from. */
export function computeBaselines(
  candles: readonly Candle[],
  rows: readonly BacktestRow[],
  options: BaselineOptions,
): Baselines {
  const rating = technicalRating(candles).total;
  const rng = seededRng(options.seed);
  const technical = new Float64Array(rows.length);
  const momentum = new Float64Array(rows.length);
  const random = new Float64Array(rows.length);
  rows.forEach((row, r) => {
    const i = row.candleIndex;
    technical[r] = rating[i] as number;
    const past = candles[i - options.momentum];
    momentum[r] = past === undefined ? Number.NaN : Math.log(row.close / past.close);
    random[r] = rng();
  });
  return {
    technicalRating: technical,
    technicalRatingLabels: Array.from(technical, ratingLabel),
    momentum,
    random,
  };
}
