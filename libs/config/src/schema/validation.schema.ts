import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsInt, Max, Min, ValidateNested } from 'class-validator';
import type { ConfigShape } from '../config.types.js';
import { HasUniqueItems } from '../rules.js';

/** Which samples the gauges and the probability maps use, and the default of GET /v1/performance. */
export class ValidationWindow {
  /** Days back from a stream's newest sample. */
  @IsInt() @Min(1) @Max(3650) readonly days!: number;
  /** At most this many of the newest samples in one computation: bounds its reads and CPU. */
  @IsInt() @Min(100) @Max(100_000) readonly maxSamples!: number;
}

export class ValidationGauges {
  /** How often the rolling-IC gauges are recomputed (never per scrape). */
  @IsInt() @Min(10) @Max(86_400) readonly refreshSeconds!: number;
}

export class ValidationProbability {
  /** How often the score → P(up) maps are refitted from the samples. */
  @IsInt() @Min(10) @Max(7 * 86_400) readonly refitSeconds!: number;
  /** Walk-forward folds of the out-of-sample Brier score. */
  @IsInt() @Min(2) @Max(20) readonly folds!: number;
}

/**
 * validation.yaml: forward validation of the live score (ADR 0019) — the horizons its forward
 * returns are measured at, when a figure is reported at all, and how often the gauges and the
 * probability maps are recomputed.
 */
export class ValidationConfig {
  /** Forward-return horizons, in candles of the stream's timeframe. */
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(8)
  @IsInt({ each: true })
  @Min(1, { each: true })
  @Max(1000, { each: true })
  @HasUniqueItems()
  readonly horizons!: readonly number[];
  /** Fewer non-overlapping forward returns than this: "insufficient", and no figure is given. */
  @IsInt() @Min(10) @Max(100_000) readonly minIndependent!: number;
  /** Moving-block bootstrap resamples of each interval GET /v1/performance gives. */
  @IsInt() @Min(100) @Max(10_000) readonly resamples!: number;
  @ValidateNested() @Type(() => ValidationWindow) readonly window!: ValidationWindow;
  @ValidateNested() @Type(() => ValidationGauges) readonly gauges!: ValidationGauges;
  @ValidateNested() @Type(() => ValidationProbability) readonly probability!: ValidationProbability;
}

export const VALIDATION_DEFAULTS: ConfigShape<ValidationConfig> = {
  horizons: [1, 4, 12, 24],
  minIndependent: 30,
  resamples: 1000,
  window: { days: 7, maxSamples: 10_080 },
  gauges: { refreshSeconds: 300 },
  probability: { refitSeconds: 3600, folds: 5 },
};
