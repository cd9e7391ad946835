import type { Candle } from '../domain/market-data.types.js';
import { arrayOf, count, num, object, present, type Snapshotable } from '../snapshot/state-codec.js';
import {
  defineIndicator,
  type IndicatorDefinition,
  type IndicatorSpec,
  type OutputStream,
} from './indicator-catalog.js';
import { type CandleColumns, toColumns } from './indicator.types.js';
import { finite, max, NAN } from '../domain/fast-math.js';

export type IndicatorValues = Readonly<Record<string, number | null>>;

/** The outputs of a list of specs, in order, with their offsets. */
export class IndicatorPlan {
  readonly definitions: readonly IndicatorDefinition[];
  readonly names: readonly string[];
  /** Candles after which every output has a value. */
  readonly warmUp: number;
  readonly #offsets: ReadonlyMap<string, number>;

  constructor(specs: readonly IndicatorSpec[]) {
    this.definitions = specs.map(defineIndicator);
    const outputs = this.definitions.flatMap((d) => d.outputs);
    this.names = outputs.map((o) => o.name);
    if (new Set(this.names).size !== this.names.length) {
      throw new Error(`duplicate indicator outputs in plan: ${this.names.join(', ')}`);
    }
    this.warmUp = max(1, ...outputs.map((o) => o.warmUp));
    this.#offsets = new Map(this.names.map((name, i) => [name, i]));
  }

  offsetOf(name: string): number | undefined {
    return this.#offsets.get(name);
  }

  /** Every output over `candles` (null before warm-up), via the batch kernels. */
  computeSeries(
    candles: readonly Candle[] | CandleColumns,
  ): Readonly<Record<string, readonly (number | null)[]>> {
    const columns =
      'timestamp' in candles && candles.timestamp instanceof Float64Array
        ? candles
        : toColumns(candles as readonly Candle[]);
    const series: Record<string, (number | null)[]> = {};
    for (const definition of this.definitions) {
      const outputs = definition.batch(columns);
      definition.outputs.forEach((output, i) => {
        series[output.name] = Array.from(outputs[i] as Float64Array, (v) => (finite(v) ? v : null));
      });
    }
    return series;
  }

  /** The batch kernels' raw columns (NaN before warm-up), keyed by output name. */
  computeColumns(columns: CandleColumns): ReadonlyMap<string, Float64Array> {
    const result = new Map<string, Float64Array>();
    for (const definition of this.definitions) {
      const outputs = definition.batch(columns);
      definition.outputs.forEach((output, i) => result.set(output.name, outputs[i] as Float64Array));
    }
    return result;
  }
}

/** Candles taken, the latest output values (NaN = not ready) and each indicator's own state, in plan order. */
export interface IndicatorSetState {
  readonly count: number;
  readonly values: readonly number[];
  /** Each indicator's own state (its class's state type), in plan order. */
  readonly indicators: readonly unknown[];
}

/** Streaming state for one plan over one market stream: `add()` per closed candle. */
export class IndicatorSet implements Snapshotable<IndicatorSetState> {
  readonly #streams: readonly OutputStream[];
  readonly #offsets: readonly number[];
  readonly #values: Float64Array;
  #count = 0;

  constructor(readonly plan: IndicatorPlan) {
    this.#streams = plan.definitions.map((d) => d.createStream());
    let offset = 0;
    this.#offsets = plan.definitions.map((d) => {
      const at = offset;
      offset += d.outputs.length;
      return at;
    });
    this.#values = new Float64Array(plan.names.length).fill(NAN);
  }

  get candleCount(): number {
    return this.#count;
  }

  get isReady(): boolean {
    return this.#count >= this.plan.warmUp;
  }

  add(candle: Candle): void {
    const streams = this.#streams;
    for (let i = 0; i < streams.length; i++)
      (streams[i] as OutputStream).add(candle, this.#values, this.#offsets[i] as number);
    this.#count++;
  }

  /** The latest value of an output, null before its warm-up (or unknown name). */
  get(name: string): number | null {
    const offset = this.plan.offsetOf(name);
    if (offset === undefined) return null;
    const value = this.#values[offset] as number;
    return finite(value) ? value : null;
  }

  snapshot(): IndicatorValues {
    return Object.fromEntries(this.plan.names.map((name) => [name, this.get(name)]));
  }

  save(): IndicatorSetState {
    return {
      count: this.#count,
      values: Array.from(this.#values),
      indicators: this.#streams.map((stream) => stream.save()),
    };
  }

  load(state: unknown, path: string): void {
    const { plan } = this;
    const s = object<{ count: number; values: number[]; indicators: unknown[] }>({
      count: count,
      values: arrayOf(num, plan.names.length),
      indicators: arrayOf(present, plan.definitions.length),
    })(state, path);
    s.indicators.forEach((indicator, i) => {
      (this.#streams[i] as OutputStream).load(indicator, `${path}.indicators[${i}]`);
    });
    this.#values.set(s.values);
    this.#count = s.count;
  }
}
