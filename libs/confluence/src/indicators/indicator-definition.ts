/**
 * The catalog's machinery: what a spec is, what an indicator definition gives the IndicatorSet,
 * and the wrappers each indicator's catalog entry (`<name>/<name>.entry.ts`) is built with.
 * indicator-catalog.ts assembles the entries.
 */
import type { Candle } from '../domain/market-data.types.js';
import type { CandleColumns, StreamingIndicator } from './indicator.types.js';

/** What to compute; names derive from it (`RSI_14`, `MACD_12_26_9_signal`, ...). */
export type IndicatorSpec =
  | {
      readonly kind: 'SMA' | 'EMA' | 'RSI' | 'ATR' | 'ADX' | 'WILLR' | 'CCI' | 'ROC' | 'MFI' | 'CMF';
      readonly period: number;
    }
  | { readonly kind: 'MACD'; readonly fast: number; readonly slow: number; readonly signal: number }
  | { readonly kind: 'BB'; readonly period: number; readonly deviations: number }
  | {
      readonly kind: 'STOCH';
      readonly kPeriod: number;
      readonly kSmoothing: number;
      readonly dPeriod: number;
    }
  | { readonly kind: 'AO'; readonly fast: number; readonly slow: number }
  | { readonly kind: 'OBV' | 'AD' | 'VWAP' };

/** The kinds of indicator the catalog knows. */
export type IndicatorKind = IndicatorSpec['kind'];

/** The spec of one kind (`SpecOf<'RSI'>` is `{ kind: 'RSI'; period: number }`). */
export type SpecOf<K extends IndicatorKind> = IndicatorSpec & { readonly kind: K };

/** A catalog entry: how one kind of spec becomes its definition. */
export type IndicatorEntry<K extends IndicatorKind> = (spec: SpecOf<K>) => IndicatorDefinition;

export interface IndicatorOutput {
  readonly name: string;
  /** Candles needed before this output has a value. */
  readonly warmUp: number;
}

/** A streaming indicator flattened to numbered outputs (NaN = not ready), for the set. */
export interface OutputStream {
  add(candle: Candle, out: Float64Array, offset: number): void;
  /** The indicator's own state (its class's state type). */
  save(): unknown;
  load(state: unknown, path: string): void;
}

export interface IndicatorDefinition {
  readonly spec: IndicatorSpec;
  readonly outputs: readonly IndicatorOutput[];
  createStream(): OutputStream;
  createIndicator(): StreamingIndicator<unknown>;
  batch(columns: CandleColumns): readonly Float64Array[];
}

const orNaN = (value: number | null | undefined): number => value ?? Number.NaN;

/** Wraps a single-valued indicator. */
export function single(
  spec: IndicatorSpec,
  name: string,
  create: () => StreamingIndicator<number>,
  batch: (columns: CandleColumns) => Float64Array,
): IndicatorDefinition {
  return {
    spec,
    outputs: [{ name, warmUp: create().warmUp }],
    createIndicator: create,
    createStream() {
      const indicator = create();
      return {
        add(candle, out, offset) {
          out[offset] = orNaN(indicator.add(candle));
        },
        save: () => indicator.save(),
        load: (state, path) => {
          indicator.load(state, path);
        },
      };
    },
    batch: (columns) => [batch(columns)],
  };
}

/** Wraps a multi-valued indicator whose result fields map to outputs in order. */
export function multi<R>(
  spec: IndicatorSpec,
  outputs: readonly IndicatorOutput[],
  create: () => StreamingIndicator<R>,
  fields: (result: R | null) => readonly (number | null)[],
  batch: (columns: CandleColumns) => Float64Array[],
): IndicatorDefinition {
  return {
    spec,
    outputs,
    createIndicator: create,
    createStream() {
      const indicator = create();
      return {
        add(candle, out, offset) {
          const values = fields(indicator.add(candle));
          for (let i = 0; i < values.length; i++) out[offset + i] = orNaN(values[i]);
        },
        save: () => indicator.save(),
        load: (state, path) => {
          indicator.load(state, path);
        },
      };
    },
    batch,
  };
}
