import { type Candle, IndicatorPlan, type IndicatorSpec, toColumns } from '@app/confluence';
import { HMA, IchimokuCloud, MOM, UltimateOscillator, VWMA } from 'trading-signals';

/**
 * A TradingView-style Technical Rating, the baseline the score is compared with. Rules from
 * TradingView's help page "Technical Ratings" (tradingview.com/support/solutions/43000614331):
 * each indicator votes +1 (buy), −1 (sell) or 0; "rising"/"falling" compare with the previous
 * candle; "crosses over" is Pine's crossover (above now, below on the previous candle).
 * Indicators are the project's own (IndicatorPlan) where it has them, trading-signals' otherwise.
 */

// Bound once: in a vm context (Jest) every global lookup in the per-candle loops costs an interceptor call.
const { min, max } = Math;
const numberIsNaN = Number.isNaN;
const NAN = Number.NaN;

const MA_PERIODS = [10, 20, 30, 50, 100, 200] as const;

/** The moving averages voting +1 when the close is above them, −1 below, 0 equal. */
export const MA_VOTES = [
  ...MA_PERIODS.map((p) => `SMA_${p}`),
  ...MA_PERIODS.map((p) => `EMA_${p}`),
  'VWMA_20',
  'HMA_9',
  'ICHIMOKU_BASE_26',
] as const;

export const OSCILLATOR_VOTES = [
  'RSI_14',
  'STOCH_14_3_3',
  'CCI_20',
  'ADX_14',
  'AO',
  'MOM_10',
  'MACD_12_26_9',
  'STOCHRSI_3_3_14_14',
  'WILLR_14',
  'BBP_13',
  'UO_7_14_28',
] as const;

export type RatingLabel = 'LONG' | 'NEUTRAL' | 'SHORT';

export interface TechnicalRating {
  /** Mean of the two group means (of those that have a vote); NaN where neither has one. */
  readonly total: Float64Array;
  /** Mean of the moving-average votes that are warm; NaN before any is. */
  readonly movingAverages: Float64Array;
  readonly oscillators: Float64Array;
  /** Each indicator's vote per candle: −1, 0, +1, NaN before it is warm. */
  readonly votes: Readonly<Record<string, Float64Array>>;
}

const PLAN_SPECS: readonly IndicatorSpec[] = [
  ...MA_PERIODS.flatMap((period): IndicatorSpec[] => [
    { kind: 'SMA', period },
    { kind: 'EMA', period },
  ]),
  { kind: 'EMA', period: 13 },
  { kind: 'RSI', period: 14 },
  { kind: 'STOCH', kPeriod: 14, kSmoothing: 3, dPeriod: 3 },
  { kind: 'CCI', period: 20 },
  { kind: 'ADX', period: 14 },
  { kind: 'AO', fast: 5, slow: 34 },
  { kind: 'MACD', fast: 12, slow: 26, signal: 9 },
  { kind: 'WILLR', period: 14 },
];

/** Buy above 0.1, sell below −0.1 (TradingView's bands); null where the rating has no value. */
export function ratingLabel(total: number): RatingLabel | null {
  if (numberIsNaN(total)) return null;
  if (total > 0.1) return 'LONG';
  if (total < -0.1) return 'SHORT';
  return 'NEUTRAL';
}

export function technicalRating(candles: readonly Candle[]): TechnicalRating {
  const n = candles.length;
  const columns = toColumns(candles);
  const plan = new IndicatorPlan(PLAN_SPECS).computeColumns(columns);
  const series = (name: string): Float64Array => {
    const values = plan.get(name);
    if (values === undefined) throw new Error(`indicator ${name} is not in the rating's plan`);
    return values;
  };
  const { close } = columns;
  const external = libraryIndicators(candles);
  const votes: Record<string, Float64Array> = {};
  for (const name of MA_VOTES) {
    const average = name.startsWith('SMA_') || name.startsWith('EMA_') ? series(name) : external[name];
    // Buy — MA value < price; Sell — MA value > price; Neutral — equal.
    votes[name] = vote(n, (i) => {
      const value = average?.[i];
      return ready(value) && cmp(close[i] as number, value);
    });
  }
  Object.assign(votes, oscillatorVotes(n, columns, series, external));
  const movingAverages = groupMean(
    n,
    MA_VOTES.map((name) => votes[name] as Float64Array),
  );
  const oscillators = groupMean(
    n,
    OSCILLATOR_VOTES.map((name) => votes[name] as Float64Array),
  );
  const total = groupMean(n, [movingAverages, oscillators]);
  return { total, movingAverages, oscillators, votes };
}

type Series = (name: string) => Float64Array;
type VoteAt = (i: number) => number | false;

function oscillatorVotes(
  n: number,
  { close, high, low }: { close: Float64Array; high: Float64Array; low: Float64Array },
  series: Series,
  external: Readonly<Record<string, Float64Array>>,
): Record<(typeof OSCILLATOR_VOTES)[number], Float64Array> {
  const rsi = series('RSI_14');
  const k = series('STOCH_14_3_3_k');
  const d = series('STOCH_14_3_3_d');
  const cci = series('CCI_20');
  const adx = series('ADX_14');
  const plusDi = series('PLUS_DI_14');
  const minusDi = series('MINUS_DI_14');
  const ao = series('AO_5_34');
  const macd = series('MACD_12_26_9_macd');
  const signal = series('MACD_12_26_9_signal');
  const willr = series('WILLR_14');
  const ema13 = series('EMA_13');
  const sma50 = series('SMA_50');
  const mom = external.MOM_10 as Float64Array;
  const uo = external.UO_7_14_28 as Float64Array;
  const [stochRsiK, stochRsiD] = stochRsi(rsi);
  const at = (s: Float64Array, i: number, back = 0): number => s[i - back] ?? NAN;
  const all = (...values: number[]): boolean => values.every((v) => !numberIsNaN(v));
  const crossOver = (a: Float64Array, b: Float64Array, i: number): boolean =>
    at(a, i) > at(b, i) && at(a, i, 1) < at(b, i, 1);
  const rising = (s: Float64Array, i: number): boolean => at(s, i) > at(s, i, 1);
  const falling = (s: Float64Array, i: number): boolean => at(s, i) < at(s, i, 1);
  // Uptrend / downtrend: the help page leaves "trend" undefined; we take close vs SMA 50.
  const up = (i: number): boolean => at(close, i) > at(sma50, i);
  const down = (i: number): boolean => at(close, i) < at(sma50, i);
  const bull = (i: number): number => at(high, i) - at(ema13, i);
  const bear = (i: number): number => at(low, i) - at(ema13, i);
  const rule = (warm: (i: number) => boolean, buy: (i: number) => boolean, sell: (i: number) => boolean) =>
    vote(n, (i) => warm(i) && (buy(i) ? 1 : sell(i) ? -1 : 0));
  return {
    // RSI 14: buy < 30 and rising; sell > 70 and falling.
    RSI_14: rule(
      (i) => all(at(rsi, i), at(rsi, i, 1)),
      (i) => at(rsi, i) < 30 && rising(rsi, i),
      (i) => at(rsi, i) > 70 && falling(rsi, i),
    ),
    // Stochastic 14/3/3: buy %K < 20 and %K crosses over %D; sell %K > 80 and %K crosses under %D.
    STOCH_14_3_3: rule(
      (i) => all(at(k, i), at(d, i), at(k, i, 1), at(d, i, 1)),
      (i) => at(k, i) < 20 && crossOver(k, d, i),
      (i) => at(k, i) > 80 && crossOver(d, k, i),
    ),
    // CCI 20: buy < −100 and rising; sell > 100 and falling.
    CCI_20: rule(
      (i) => all(at(cci, i), at(cci, i, 1)),
      (i) => at(cci, i) < -100 && rising(cci, i),
      (i) => at(cci, i) > 100 && falling(cci, i),
    ),
    // ADX 14: buy ADX > 20 and +DI crosses over −DI; sell ADX > 20 and +DI crosses under −DI.
    ADX_14: rule(
      (i) => all(at(adx, i), at(plusDi, i), at(plusDi, i, 1), at(minusDi, i), at(minusDi, i, 1)),
      (i) => at(adx, i) > 20 && crossOver(plusDi, minusDi, i),
      (i) => at(adx, i) > 20 && crossOver(minusDi, plusDi, i),
    ),
    // Awesome Oscillator: buy on a saucer above 0 (a dip, then a rise: AO[2] > AO[1] < AO) or a
    // cross over 0; sell on a saucer below 0 or a cross under 0.
    AO: rule(
      (i) => all(at(ao, i), at(ao, i, 1), at(ao, i, 2)),
      (i) =>
        (at(ao, i) > 0 && at(ao, i, 1) > 0 && at(ao, i, 2) > at(ao, i, 1) && rising(ao, i)) ||
        (at(ao, i) > 0 && at(ao, i, 1) < 0),
      (i) =>
        (at(ao, i) < 0 && at(ao, i, 1) < 0 && at(ao, i, 2) < at(ao, i, 1) && falling(ao, i)) ||
        (at(ao, i) < 0 && at(ao, i, 1) > 0),
    ),
    // Momentum 10 (close − close 10 candles ago): buy rising; sell falling.
    MOM_10: rule(
      (i) => all(at(mom, i), at(mom, i, 1)),
      (i) => rising(mom, i),
      (i) => falling(mom, i),
    ),
    // MACD 12/26/9: buy MACD line > signal line; sell below.
    MACD_12_26_9: rule(
      (i) => all(at(macd, i), at(signal, i)),
      (i) => at(macd, i) > at(signal, i),
      (i) => at(macd, i) < at(signal, i),
    ),
    // Stoch RSI 3/3/14/14: buy in a downtrend with %K and %D < 20 and %K crossing over %D; sell in
    // an uptrend with both > 80 and %K crossing under %D.
    STOCHRSI_3_3_14_14: rule(
      (i) => all(at(stochRsiK, i), at(stochRsiD, i), at(stochRsiK, i, 1), at(stochRsiD, i, 1), at(sma50, i)),
      (i) => down(i) && at(stochRsiK, i) < 20 && at(stochRsiD, i) < 20 && crossOver(stochRsiK, stochRsiD, i),
      (i) => up(i) && at(stochRsiK, i) > 80 && at(stochRsiD, i) > 80 && crossOver(stochRsiD, stochRsiK, i),
    ),
    // Williams %R 14: buy below −80 and rising; sell above −20 and falling.
    WILLR_14: rule(
      (i) => all(at(willr, i), at(willr, i, 1)),
      (i) => at(willr, i) < -80 && rising(willr, i),
      (i) => at(willr, i) > -20 && falling(willr, i),
    ),
    // Bull Bear Power 13 (Elder: bull = high − EMA 13, bear = low − EMA 13): buy in an uptrend with
    // bear power < 0 and rising; sell in a downtrend with bull power > 0 and falling.
    BBP_13: rule(
      (i) => all(at(ema13, i), at(ema13, i, 1), at(sma50, i)),
      (i) => up(i) && bear(i) < 0 && bear(i) > bear(i - 1),
      (i) => down(i) && bull(i) > 0 && bull(i) < bull(i - 1),
    ),
    // Ultimate Oscillator 7/14/28: buy above 70; sell below 30.
    UO_7_14_28: rule(
      (i) => all(at(uo, i)),
      (i) => at(uo, i) > 70,
      (i) => at(uo, i) < 30,
    ),
  };
}

/**
 * Stoch RSI 3/3/14/14: %K = SMA 3 of 100 · (RSI − min RSI) / (max RSI − min RSI) over 14 candles,
 * %D = SMA 3 of %K. Computed here from the project's RSI: trading-signals' StochasticRSI skips
 * its %D update whenever %K is exactly 0, which a falling market reaches often. A flat RSI window
 * reads 50, as the project's Stochastic does.
 */
function stochRsi(rsi: Float64Array): [Float64Array, Float64Array] {
  const n = rsi.length;
  const raw = new Float64Array(n).fill(NAN);
  for (let i = 13; i < n; i++) {
    let low = Infinity;
    let high = -Infinity;
    for (let j = i - 13; j <= i; j++) {
      low = min(low, rsi[j] as number);
      high = max(high, rsi[j] as number);
    }
    if (numberIsNaN(low) || numberIsNaN(high)) continue;
    raw[i] = high > low ? (100 * ((rsi[i] as number) - low)) / (high - low) : 50;
  }
  const k = movingMean(raw, 3);
  return [k, movingMean(k, 3)];
}

/** Mean of the last `period` values; NaN while any of them is NaN. */
function movingMean(values: Float64Array, period: number): Float64Array {
  const out = new Float64Array(values.length).fill(NAN);
  for (let i = period - 1; i < values.length; i++) {
    let sum = 0;
    for (let j = i - period + 1; j <= i; j++) sum += values[j] as number;
    out[i] = sum / period;
  }
  return out;
}

/** trading-signals' indicators the project has no equivalent of, one value per candle (NaN before warm-up). */
function libraryIndicators(candles: readonly Candle[]): Record<string, Float64Array> {
  const n = candles.length;
  const out = {
    VWMA_20: new Float64Array(n).fill(NAN),
    HMA_9: new Float64Array(n).fill(NAN),
    ICHIMOKU_BASE_26: new Float64Array(n).fill(NAN),
    MOM_10: new Float64Array(n).fill(NAN),
    UO_7_14_28: new Float64Array(n).fill(NAN),
  };
  const vwma = new VWMA(20);
  const hma = new HMA(9);
  // Base line (Kijun-sen): the midpoint of the 26-candle high–low range.
  const ichimoku = new IchimokuCloud({ baseInterval: 26, conversionInterval: 9, spanBInterval: 52 });
  const mom = new MOM(10);
  const uo = new UltimateOscillator({ shortPeriod: 7, mediumPeriod: 14, longPeriod: 28 });
  for (let i = 0; i < n; i++) {
    const c = candles[i] as Candle;
    out.VWMA_20[i] = vwma.add(c) ?? NAN;
    out.HMA_9[i] = hma.add(c.close) ?? NAN;
    out.ICHIMOKU_BASE_26[i] = ichimoku.add(c)?.base ?? NAN;
    out.MOM_10[i] = mom.add(c.close) ?? NAN;
    out.UO_7_14_28[i] = uo.add(c) ?? NAN;
  }
  return out;
}

const ready = (value: number | undefined): value is number => value !== undefined && !numberIsNaN(value);
const cmp = (price: number, average: number): number => (price > average ? 1 : price < average ? -1 : 0);

/** One vote per candle: the rule's −1/0/+1, NaN where it returns false (not warm). */
function vote(n: number, at: VoteAt): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const value = at(i);
    out[i] = value === false ? NAN : value;
  }
  return out;
}

/** Per candle, the mean of the members that have a value; NaN where none has. */
function groupMean(n: number, members: readonly Float64Array[]): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let sum = 0;
    let count = 0;
    for (const member of members) {
      const value = member[i] as number;
      if (numberIsNaN(value)) continue;
      sum += value;
      count++;
    }
    out[i] = count === 0 ? NAN : sum / count;
  }
  return out;
}
