import type { ConfigShape, WeightsConfig } from '@app/config';
import { COMPONENT_NAMES, COMPONENT_SUBSCORES, type ComponentName, type Timeframe } from '@app/contracts';

export type WeightMap<K extends string = string> = Readonly<Record<K, number>>;

/** Every weight that applies to one symbol, each level normalised to sum to 1. */
export interface WeightSet {
  readonly components: WeightMap<ComponentName>;
  readonly subscores: Readonly<Record<ComponentName, WeightMap>>;
  readonly timeframes: Readonly<Partial<Record<Timeframe, number>>>;
  readonly thresholds: { readonly short: number; readonly long: number };
}

/**
 * Scales weights to sum to 1 over the keys that `present` accepts; the others get 0. Nothing
 * present yields all zeros (no data, no weight). Keys are processed in sorted order so the
 * result does not depend on the order the weights were written in.
 */
export function renormalise<K extends string>(
  weights: Readonly<Partial<Record<K, number>>>,
  present: (key: K) => boolean = () => true,
): WeightMap<K> {
  const keys = (Object.keys(weights) as K[]).sort();
  let total = 0;
  for (const key of keys) if (present(key)) total += weights[key] ?? 0;
  const out = {} as Record<K, number>;
  for (const key of keys) out[key] = total > 0 && present(key) ? (weights[key] ?? 0) / total : 0;
  return out;
}

/**
 * The single source of weights: component, sub-score and timeframe weights and thresholds from
 * validated weights.yaml, with per-symbol overrides applied. Sets are built once per symbol.
 */
export class WeightManager {
  readonly #global: WeightSet;
  readonly #bySymbol = new Map<string, WeightSet>();

  constructor(private readonly config: ConfigShape<WeightsConfig>) {
    this.#global = this.#build(undefined);
  }

  /** The weights that apply to `symbol` (its overrides over the global set). */
  forSymbol(symbol?: string): WeightSet {
    if (symbol === undefined || this.config.overrides[symbol] === undefined) return this.#global;
    let set = this.#bySymbol.get(symbol);
    if (set === undefined) {
      set = this.#build(symbol);
      this.#bySymbol.set(symbol, set);
    }
    return set;
  }

  #build(symbol: string | undefined): WeightSet {
    const override = symbol === undefined ? undefined : this.config.overrides[symbol];
    const thresholds = override?.thresholds ?? this.config.thresholds;
    const subscores = {} as Record<ComponentName, WeightMap>;
    for (const component of COMPONENT_NAMES) {
      const configured = this.config.subscores[component];
      // Every known sub-score gets a weight (0 if the config omits it, which validation forbids).
      const complete = Object.fromEntries(
        COMPONENT_SUBSCORES[component].map((name) => [name, configured[name] ?? 0]),
      );
      subscores[component] = Object.freeze(renormalise(complete));
    }
    return Object.freeze({
      components: Object.freeze(renormalise(override?.components ?? this.config.components)),
      subscores: Object.freeze(subscores),
      timeframes: Object.freeze(renormalise(override?.timeframes ?? this.config.timeframes)),
      thresholds: Object.freeze({ short: thresholds.short, long: thresholds.long }),
    });
  }
}
