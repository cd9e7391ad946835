import type { Candle, DerivativesSnapshot } from '../domain/market-data.types.js';
import type { ComponentContext, ComponentReading, ConfluenceComponent } from './component.types.js';
import { ReadingBuilder } from './reading-builder.js';
import { imbalance, ratio, tanhScore } from './score-mapping.js';
import { abs, finite as isFiniteNumber, log, max, NAN } from '../domain/fast-math.js';

/** Candles needed before the volatility regime is read (ATR plus a baseline of older candles). */
export const MIN_REGIME_CANDLES = 30;
/** The ATR's period: the baseline leaves out the candles the current ATR is made of. */
export const DEFAULT_ATR_PERIOD = 14;

/**
 * Sentiment: how crowded is positioning, and is the market in a risk-off volatility regime?
 * Crowd measures are read contrarian: the side paying to be in a trade is the side at risk.
 */
export class SentimentComponent implements ConfluenceComponent {
  readonly name = 'sentiment' as const;

  constructor(private readonly atrPeriod = DEFAULT_ATR_PERIOD) {}

  evaluate(context: ComponentContext): ComponentReading {
    const reading = new ReadingBuilder(this.name);
    const snapshots = context.derivatives ?? [];
    const absent = snapshots.length === 0 ? 'no derivatives data' : null;

    const funding = newest(snapshots, (s) => finite(s.fundingRate));
    if (funding === null) reading.miss('fundingRate', absent ?? 'no funding rate');
    else {
      const x = -funding.value;
      reading.used(funding.timestamp);
      // Perpetual funding (longs pay shorts when positive) as crowding, read contrarian; 0.05 % is elevated.
      reading.add('fundingRate', tanhScore(x, 0.0005), x, { fundingRate: funding.value });
    }

    const longShort = newest(snapshots, (s) => finite(s.longShortRatio));
    if (longShort === null) reading.miss('longShortRatio', absent ?? 'no long/short ratio');
    else if (longShort.value <= 0) reading.miss('longShortRatio', 'long/short ratio is not positive');
    else {
      const x = -log(longShort.value);
      reading.used(longShort.timestamp);
      // Account long/short ratio, read contrarian on a log scale so 2:1 and 1:2 mirror each other.
      reading.add('longShortRatio', tanhScore(x, 0.5), x, { longShortRatio: longShort.value });
    }

    const liquidations = newest(snapshots, (s) => s.liquidations);
    const long = nonNegative(liquidations?.value.long);
    const short = nonNegative(liquidations?.value.short);
    if (liquidations === null) reading.miss('liquidations', absent ?? 'no liquidation data');
    else if (long + short === 0) reading.miss('liquidations', 'no liquidations');
    else {
      const x = imbalance(short, long);
      reading.used(liquidations.timestamp);
      // Forced flows: short liquidations are market buys (squeeze up), long ones market sells.
      reading.add('liquidations', tanhScore(x, 0.5), x, { longLiquidations: long, shortLiquidations: short });
    }

    this.scoreVolatilityRegime(reading, context);
    return reading.build();
  }

  private scoreVolatilityRegime(reading: ReadingBuilder, context: ComponentContext): void {
    const { candles } = context;
    const last = candles.at(-1);
    const atr = context.indicators.get(context.names.atr);
    // The baseline needs at least one candle older than the ATR's own.
    const needed = max(MIN_REGIME_CANDLES, this.atrPeriod + 1);
    if (last === undefined || candles.length < needed) {
      reading.miss('volatilityRegime', `needs ${needed} candles, has ${candles.length}`);
      return;
    }
    if (atr === null || !isFiniteNumber(atr)) {
      reading.miss('volatilityRegime', 'ATR not warm yet');
      return;
    }
    const atrFraction = ratio(atr, last.close);
    // Baseline: mean true range ÷ close over the candles before the ones the current ATR is made of.
    const older = candles.length - this.atrPeriod;
    // Summed in place (as `mean` would, in the same order): this runs on every analysis.
    let total = 0;
    let previousClose = NAN;
    for (let i = 0; i < older; i++) {
      const candle = candles[i] as Candle;
      total += trueRangeFraction(candle, i === 0 ? null : previousClose);
      previousClose = candle.close;
    }
    const baseline = older > 0 ? total / older : 0;
    const expansion = baseline > 0 ? atrFraction / baseline : null;
    const x = expansion === null ? 0 : -(expansion - 1);
    reading.used(last.timestamp + context.intervalMs);
    // Volatility expansion is risk-off: volatility rises as prices fall (leverage effect, Black 1976).
    reading.add('volatilityRegime', tanhScore(x, 1), x, {
      atr,
      atrPercent: atrFraction * 100,
      baselinePercent: baseline * 100,
      expansion,
    });
  }
}

/** The newest snapshot carrying a field, with its value; null when none does. */
function newest<T>(
  snapshots: readonly DerivativesSnapshot[],
  pick: (snapshot: DerivativesSnapshot) => T | undefined,
): { readonly value: T; readonly timestamp: number } | null {
  for (let i = snapshots.length - 1; i >= 0; i--) {
    const snapshot = snapshots[i] as DerivativesSnapshot;
    const value = pick(snapshot);
    if (value !== undefined) return { value, timestamp: snapshot.timestamp };
  }
  return null;
}

function finite(value: number | undefined): number | undefined {
  return value !== undefined && isFiniteNumber(value) ? value : undefined;
}

function nonNegative(value: number | undefined): number {
  return value !== undefined && value > 0 && isFiniteNumber(value) ? value : 0;
}

/** Wilder's true range of a candle (its high − low when it has no prior close) ÷ its close. */
function trueRangeFraction(candle: Candle, previousClose: number | null): number {
  const range =
    previousClose === null
      ? candle.high - candle.low
      : max(candle.high - candle.low, abs(candle.high - previousClose), abs(candle.low - previousClose));
  return ratio(range, candle.close);
}
