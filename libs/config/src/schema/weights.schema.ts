import { Type } from 'class-transformer';
import type { ConfigShape } from '../config.types.js';
import { IsNumber, IsOptional, Max, Min, ValidateNested } from 'class-validator';
import {
  COMPONENT_NAMES,
  COMPONENT_SUBSCORES,
  type ComponentName,
  type Timeframe,
  TIMEFRAMES,
} from '@app/contracts';
import { IsLessThanProperty, symbolKey, weightsSumToOne, weightValue } from '../rules.js';
import { RecordOf } from '../validate.js';

export type ComponentWeights = Readonly<Record<ComponentName, number>>;
export type TimeframeWeights = Readonly<Partial<Record<Timeframe, number>>>;

/** Score bands: score ≥ long is LONG, score ≤ short is SHORT, between is NEUTRAL. */
export class SignalThresholds {
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  @Max(100)
  @IsLessThanProperty('long')
  readonly short!: number;
  @IsNumber({ allowNaN: false, allowInfinity: false }) @Min(0) @Max(100) readonly long!: number;
}

const componentWeights = {
  keys: COMPONENT_NAMES,
  requireAll: true,
  value: weightValue,
  whole: weightsSumToOne,
};
const timeframeWeights = { keys: TIMEFRAMES, value: weightValue, whole: weightsSumToOne };

function subscoreWeights(component: ComponentName): Parameters<typeof RecordOf>[0] {
  return {
    keys: COMPONENT_SUBSCORES[component],
    requireAll: true,
    value: weightValue,
    whole: weightsSumToOne,
  };
}

/** Weights of the sub-scores inside each component; each set sums to 1. */
export class SubscoreWeights {
  @RecordOf(subscoreWeights('orderFlow')) readonly orderFlow!: Readonly<Record<string, number>>;
  @RecordOf(subscoreWeights('orderBook')) readonly orderBook!: Readonly<Record<string, number>>;
  @RecordOf(subscoreWeights('volume')) readonly volume!: Readonly<Record<string, number>>;
  @RecordOf(subscoreWeights('priceStructure')) readonly priceStructure!: Readonly<Record<string, number>>;
  @RecordOf(subscoreWeights('technical')) readonly technical!: Readonly<Record<string, number>>;
  @RecordOf(subscoreWeights('sentiment')) readonly sentiment!: Readonly<Record<string, number>>;
}

/** Per-symbol tuning; each part given replaces the global one for that symbol. */
export class SymbolOverride {
  @RecordOf({ ...componentWeights, optional: true }) readonly components?: ComponentWeights;
  @RecordOf({ ...timeframeWeights, optional: true }) readonly timeframes?: TimeframeWeights;
  @IsOptional() @ValidateNested() @Type(() => SignalThresholds) readonly thresholds?: SignalThresholds;
}

export class WeightsConfig {
  @RecordOf(componentWeights) readonly components!: ComponentWeights;
  @ValidateNested() @Type(() => SubscoreWeights) readonly subscores!: SubscoreWeights;
  /** Multi-timeframe weights; every timeframe weighted here must be collected in exchanges.yaml. */
  @RecordOf(timeframeWeights) readonly timeframes!: TimeframeWeights;
  @ValidateNested() @Type(() => SignalThresholds) readonly thresholds!: SignalThresholds;
  @RecordOf({ key: symbolKey, value: SymbolOverride })
  readonly overrides!: Readonly<Record<string, SymbolOverride>>;
}

/** A weight set given in YAML replaces the default set whole (merging two sets would mix them). */
export const WEIGHTS_REPLACE_PATHS = ['components', 'subscores.*', 'timeframes', 'overrides'] as const;

/** Equal split of 1 over `keys`, with the rounding remainder on the first key so the sum is exact. */
function equalWeights<K extends string>(keys: readonly K[]): Record<K, number> {
  const share = Math.floor((1 / keys.length) * 1e6) / 1e6;
  const weights = Object.fromEntries(keys.map((key) => [key, share])) as Record<K, number>;
  const first = keys[0];
  if (first !== undefined) weights[first] = Number((1 - share * (keys.length - 1)).toFixed(6));
  return weights;
}

/** Component defaults come from the earlier system (DESIGN.md, "The engine"). */
export const WEIGHTS_DEFAULTS: ConfigShape<WeightsConfig> = {
  components: {
    orderFlow: 0.3,
    orderBook: 0.2,
    volume: 0.18,
    priceStructure: 0.15,
    technical: 0.1,
    sentiment: 0.07,
  },
  subscores: {
    orderFlow: equalWeights(COMPONENT_SUBSCORES.orderFlow),
    orderBook: equalWeights(COMPONENT_SUBSCORES.orderBook),
    volume: equalWeights(COMPONENT_SUBSCORES.volume),
    priceStructure: equalWeights(COMPONENT_SUBSCORES.priceStructure),
    technical: equalWeights(COMPONENT_SUBSCORES.technical),
    sentiment: equalWeights(COMPONENT_SUBSCORES.sentiment),
  },
  timeframes: { '1m': 0.4, '5m': 0.6 },
  thresholds: { short: 40, long: 60 },
  overrides: {},
};
