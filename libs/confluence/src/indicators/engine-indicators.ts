import type { ConfigShape, IndicatorsConfig } from '@app/config';
import type { IndicatorSpec } from './indicator-catalog.js';
import { IndicatorPlan } from './indicator-set.js';

/** The outputs the components read, by role; values are output names in the plan. */
export interface EngineIndicatorNames {
  readonly rsi: string;
  readonly macd: string;
  readonly macdSignal: string;
  readonly macdHistogram: string;
  readonly bollingerUpper: string;
  readonly bollingerMiddle: string;
  readonly bollingerLower: string;
  readonly atr: string;
  readonly adx: string;
  readonly plusDi: string;
  readonly minusDi: string;
  readonly stochasticK: string;
  readonly stochasticD: string;
  readonly williamsR: string;
  readonly cci: string;
  readonly roc: string;
  readonly mfi: string;
  readonly awesomeOscillator: string;
  readonly cmf: string;
  readonly obv: string;
  readonly adLine: string;
  readonly vwap: string;
  readonly fastAverage: string;
  readonly slowAverage: string;
}

export interface EngineIndicators {
  readonly plan: IndicatorPlan;
  readonly names: EngineIndicatorNames;
}

/** The indicator plan the engine runs for every market stream, from indicators.yaml. */
export function engineIndicators(config: ConfigShape<IndicatorsConfig>): EngineIndicators {
  const { rsi, macd, bollinger, atr, adx, stochastic, williamsR, cci, roc, mfi, awesomeOscillator, cmf } =
    config;
  const { fast, slow } = config.movingAverages;
  const specs: IndicatorSpec[] = [
    { kind: 'RSI', period: rsi.period },
    { kind: 'MACD', fast: macd.fast, slow: macd.slow, signal: macd.signal },
    { kind: 'BB', period: bollinger.period, deviations: bollinger.stdDev },
    { kind: 'ATR', period: atr.period },
    { kind: 'ADX', period: adx.period },
    {
      kind: 'STOCH',
      kPeriod: stochastic.kPeriod,
      kSmoothing: stochastic.kSmoothing,
      dPeriod: stochastic.dPeriod,
    },
    { kind: 'WILLR', period: williamsR.period },
    { kind: 'CCI', period: cci.period },
    { kind: 'ROC', period: roc.period },
    { kind: 'MFI', period: mfi.period },
    { kind: 'AO', fast: awesomeOscillator.fast, slow: awesomeOscillator.slow },
    { kind: 'CMF', period: cmf.period },
    { kind: 'OBV' },
    { kind: 'AD' },
    { kind: 'VWAP' },
    { kind: 'EMA', period: fast },
    { kind: 'EMA', period: slow },
  ];
  const macdBase = `MACD_${macd.fast}_${macd.slow}_${macd.signal}`;
  const bandsBase = `BB_${bollinger.period}_${bollinger.stdDev}`;
  const stochBase = `STOCH_${stochastic.kPeriod}_${stochastic.kSmoothing}_${stochastic.dPeriod}`;
  return {
    plan: new IndicatorPlan(specs),
    names: {
      rsi: `RSI_${rsi.period}`,
      macd: `${macdBase}_macd`,
      macdSignal: `${macdBase}_signal`,
      macdHistogram: `${macdBase}_hist`,
      bollingerUpper: `${bandsBase}_upper`,
      bollingerMiddle: `${bandsBase}_middle`,
      bollingerLower: `${bandsBase}_lower`,
      atr: `ATR_${atr.period}`,
      adx: `ADX_${adx.period}`,
      plusDi: `PLUS_DI_${adx.period}`,
      minusDi: `MINUS_DI_${adx.period}`,
      stochasticK: `${stochBase}_k`,
      stochasticD: `${stochBase}_d`,
      williamsR: `WILLR_${williamsR.period}`,
      cci: `CCI_${cci.period}`,
      roc: `ROC_${roc.period}`,
      mfi: `MFI_${mfi.period}`,
      awesomeOscillator: `AO_${awesomeOscillator.fast}_${awesomeOscillator.slow}`,
      cmf: `CMF_${cmf.period}`,
      obv: 'OBV',
      adLine: 'AD',
      vwap: 'VWAP',
      fastAverage: `EMA_${fast}`,
      slowAverage: `EMA_${slow}`,
    },
  };
}

/**
 * Closed candles a stream needs before the engine's indicators are settled: three times the
 * plan's longest warm-up (EMA and Wilder smoothing keep their seed for about that long — TA-Lib's
 * "unstable period") and at least the engine's 200-candle structure window. market-data fetches
 * this many at start; a worker taking a market over rebuilds from this many stored candles.
 */
export function warmupCandlesFor(indicators: ConfigShape<IndicatorsConfig>): number {
  return Math.max(200, 3 * engineIndicators(indicators).plan.warmUp);
}
