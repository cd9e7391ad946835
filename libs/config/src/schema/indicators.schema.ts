import { Type } from 'class-transformer';
import type { ConfigShape } from '../config.types.js';
import { IsInt, IsNumber, Max, Min, ValidateNested } from 'class-validator';
import { IsLessThanProperty } from '../rules.js';

/** Longest look-back we accept; longer ones would outgrow the warm-up history we keep. */
const MAX_PERIOD = 1000;

export class PeriodConfig {
  @IsInt() @Min(1) @Max(MAX_PERIOD) readonly period!: number;
}

/** An indicator built from a fast and a slow average. */
export class FastSlowConfig {
  @IsInt() @Min(1) @Max(MAX_PERIOD) @IsLessThanProperty('slow') readonly fast!: number;
  @IsInt() @Min(2) @Max(MAX_PERIOD) readonly slow!: number;
}

export class MacdConfig extends FastSlowConfig {
  @IsInt() @Min(1) @Max(MAX_PERIOD) readonly signal!: number;
}

export class BollingerConfig extends PeriodConfig {
  /** Band width in population standard deviations (TA-Lib's definition). */
  @IsNumber({ allowNaN: false, allowInfinity: false }) @Min(0.1) @Max(10) readonly stdDev!: number;
}

export class StochasticConfig {
  /** %K look-back, the smoothing of %K (slow stochastic), and the %D average. */
  @IsInt() @Min(1) @Max(MAX_PERIOD) readonly kPeriod!: number;
  @IsInt() @Min(1) @Max(MAX_PERIOD) readonly kSmoothing!: number;
  @IsInt() @Min(1) @Max(MAX_PERIOD) readonly dPeriod!: number;
}

export class IndicatorsConfig {
  @ValidateNested() @Type(() => PeriodConfig) readonly rsi!: PeriodConfig;
  @ValidateNested() @Type(() => MacdConfig) readonly macd!: MacdConfig;
  @ValidateNested() @Type(() => BollingerConfig) readonly bollinger!: BollingerConfig;
  @ValidateNested() @Type(() => PeriodConfig) readonly atr!: PeriodConfig;
  @ValidateNested() @Type(() => PeriodConfig) readonly adx!: PeriodConfig;
  @ValidateNested() @Type(() => StochasticConfig) readonly stochastic!: StochasticConfig;
  @ValidateNested() @Type(() => PeriodConfig) readonly williamsR!: PeriodConfig;
  @ValidateNested() @Type(() => PeriodConfig) readonly cci!: PeriodConfig;
  @ValidateNested() @Type(() => PeriodConfig) readonly roc!: PeriodConfig;
  @ValidateNested() @Type(() => PeriodConfig) readonly mfi!: PeriodConfig;
  @ValidateNested() @Type(() => FastSlowConfig) readonly awesomeOscillator!: FastSlowConfig;
  @ValidateNested() @Type(() => PeriodConfig) readonly cmf!: PeriodConfig;
  /** Trend filter: fast and slow moving averages. */
  @ValidateNested() @Type(() => FastSlowConfig) readonly movingAverages!: FastSlowConfig;
  /** Volume of the last candle against the average of this many. */
  @ValidateNested() @Type(() => PeriodConfig) readonly relativeVolume!: PeriodConfig;
}

/** Defaults are the conventional parameters (Wilder, Appel, Lane, Bollinger, Williams). */
export const INDICATORS_DEFAULTS: ConfigShape<IndicatorsConfig> = {
  rsi: { period: 14 },
  macd: { fast: 12, slow: 26, signal: 9 },
  bollinger: { period: 20, stdDev: 2 },
  atr: { period: 14 },
  adx: { period: 14 },
  stochastic: { kPeriod: 14, kSmoothing: 3, dPeriod: 3 },
  williamsR: { period: 14 },
  cci: { period: 20 },
  roc: { period: 12 },
  mfi: { period: 14 },
  awesomeOscillator: { fast: 5, slow: 34 },
  cmf: { period: 20 },
  movingAverages: { fast: 20, slow: 50 },
  relativeVolume: { period: 20 },
};
