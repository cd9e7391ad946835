import type { ComponentName } from './component.js';
import type { StreamRef } from './event-bus.js';
import type { Signal } from './signal.js';

/**
 * What forward validation keeps of one stored candle result (ADR 0019): enough to rank the score,
 * its components and its labels against what the price did next. Forward returns are not stored:
 * they are joined from the closes of later samples of the same stream when they are read.
 */
export interface ValidationSample extends StreamRef {
  /** Open time of the candle (ms, UTC): the key, one sample per candle of a stream. */
  readonly candleTime: number;
  /** The candle's close, as the engine was fed it. */
  readonly close: number;
  readonly score: number;
  readonly label: Signal;
  /** Each component's score on the result's own timeframe; a component without data is absent. */
  readonly components: Readonly<Partial<Record<ComponentName, number>>>;
  /** The result's input hash: an opinion is kept only while the stored sample has these inputs. */
  readonly inputHash: string;
  /** The model's label about this result, and the blended label when one was given; once attached. */
  readonly llm?: ValidationOpinion;
}

/** The labels of a model's opinion that validation scores beside the engine's. */
export interface ValidationOpinion {
  readonly label: Signal;
  /** Present when llm.yaml `blendWeight` > 0 gave a blended label. */
  readonly blended?: Signal;
}

/**
 * The probability of an up move shown beside a result, for one horizon (forward validation's
 * score → P(up) map of the stream): with the map's sample size and its out-of-sample Brier score
 * beside the base rate's; below the sufficiency floor, or before any walk-forward fold could be
 * tested, only the sample size.
 */
export type HorizonProbability =
  | {
      readonly sufficient: true;
      /** P(close h candles later > close now), for this result's score. */
      readonly up: number;
      readonly n: number;
      readonly brier: number;
      readonly brierBase: number;
    }
  | { readonly sufficient: false; readonly n: number };

/** `probability` on a result: by horizon in candles (`"1"`, `"4"`, …). */
export type ResultProbability = Readonly<Record<string, HorizonProbability>>;
