import type { Candle } from '../domain/market-data.types.js';
import * as k from './batch-kernels.js';
import type { CandleColumns, StreamingIndicator } from './indicator.types.js';
import { AwesomeOscillator, Cci, Macd, Roc, Rsi } from './momentum.indicators.js';
import { Stochastic, WilliamsR } from './range.indicators.js';
import { CloseEma, CloseSma } from './moving-averages.js';
import { Atr, Bollinger, Directional } from './volatility.indicators.js';
import { AdLine, Cmf, Mfi, Obv, SessionVwap } from './volume.indicators.js';

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
function single(
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
function multi<R>(
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

export function defineIndicator(spec: IndicatorSpec): IndicatorDefinition {
  switch (spec.kind) {
    case 'SMA':
      return single(
        spec,
        `SMA_${spec.period}`,
        () => new CloseSma(spec.period),
        (c) => k.smaKernel(c.close, spec.period),
      );
    case 'EMA':
      return single(
        spec,
        `EMA_${spec.period}`,
        () => new CloseEma(spec.period),
        (c) => k.emaKernel(c.close, spec.period),
      );
    case 'RSI':
      return single(
        spec,
        `RSI_${spec.period}`,
        () => new Rsi(spec.period),
        (c) => k.rsiKernel(c.close, spec.period),
      );
    case 'ATR':
      return single(
        spec,
        `ATR_${spec.period}`,
        () => new Atr(spec.period),
        (c) => k.atrKernel(c, spec.period),
      );
    case 'WILLR':
      return single(
        spec,
        `WILLR_${spec.period}`,
        () => new WilliamsR(spec.period),
        (c) => k.williamsRKernel(c, spec.period),
      );
    case 'CCI':
      return single(
        spec,
        `CCI_${spec.period}`,
        () => new Cci(spec.period),
        (c) => k.cciKernel(c, spec.period),
      );
    case 'ROC':
      return single(
        spec,
        `ROC_${spec.period}`,
        () => new Roc(spec.period),
        (c) => k.rocKernel(c.close, spec.period),
      );
    case 'MFI':
      return single(
        spec,
        `MFI_${spec.period}`,
        () => new Mfi(spec.period),
        (c) => k.mfiKernel(c, spec.period),
      );
    case 'CMF':
      return single(
        spec,
        `CMF_${spec.period}`,
        () => new Cmf(spec.period),
        (c) => k.cmfKernel(c, spec.period),
      );
    case 'OBV':
      return single(
        spec,
        'OBV',
        () => new Obv(),
        (c) => k.obvKernel(c),
      );
    case 'AD':
      return single(
        spec,
        'AD',
        () => new AdLine(),
        (c) => k.adLineKernel(c),
      );
    case 'VWAP':
      return single(
        spec,
        'VWAP',
        () => new SessionVwap(),
        (c) => k.sessionVwapKernel(c),
      );
    case 'AO':
      return single(
        spec,
        `AO_${spec.fast}_${spec.slow}`,
        () => new AwesomeOscillator(spec.fast, spec.slow),
        (c) => k.awesomeOscillatorKernel(c, spec.fast, spec.slow),
      );
    case 'ADX': {
      const p = spec.period;
      return multi(
        spec,
        [
          { name: `ADX_${p}`, warmUp: 2 * p },
          { name: `PLUS_DI_${p}`, warmUp: p + 1 },
          { name: `MINUS_DI_${p}`, warmUp: p + 1 },
        ],
        () => new Directional(p),
        (r) => (r === null ? [null, null, null] : [r.adx, r.plusDi, r.minusDi]),
        (c) => k.directionalKernel(c, p),
      );
    }
    case 'MACD': {
      const base = `MACD_${spec.fast}_${spec.slow}_${spec.signal}`;
      const warmUp = spec.slow + spec.signal - 1;
      return multi(
        spec,
        ['macd', 'signal', 'hist'].map((part) => ({ name: `${base}_${part}`, warmUp })),
        () => new Macd(spec.fast, spec.slow, spec.signal),
        (r) => (r === null ? [null, null, null] : [r.macd, r.signal, r.histogram]),
        (c) => k.macdKernel(c.close, spec.fast, spec.slow, spec.signal),
      );
    }
    case 'BB': {
      const base = `BB_${spec.period}_${spec.deviations}`;
      return multi(
        spec,
        ['upper', 'middle', 'lower'].map((part) => ({ name: `${base}_${part}`, warmUp: spec.period })),
        () => new Bollinger(spec.period, spec.deviations),
        (r) => (r === null ? [null, null, null] : [r.upper, r.middle, r.lower]),
        (c) => k.bollingerKernel(c.close, spec.period, spec.deviations),
      );
    }
    case 'STOCH': {
      const base = `STOCH_${spec.kPeriod}_${spec.kSmoothing}_${spec.dPeriod}`;
      const warmUp = spec.kPeriod + spec.kSmoothing + spec.dPeriod - 2;
      return multi(
        spec,
        ['k', 'd'].map((part) => ({ name: `${base}_${part}`, warmUp })),
        () => new Stochastic(spec.kPeriod, spec.kSmoothing, spec.dPeriod),
        (r) => (r === null ? [null, null] : [r.k, r.d]),
        (c) => k.stochasticKernel(c, spec.kPeriod, spec.kSmoothing, spec.dPeriod),
      );
    }
  }
}

/** The indicator export's fixed set and names (CLI `indicators`, `POST /v1/indicators`). */
export const EXPORT_INDICATORS: readonly IndicatorSpec[] = Object.freeze([
  { kind: 'SMA', period: 20 },
  { kind: 'EMA', period: 9 },
  { kind: 'EMA', period: 21 },
  { kind: 'EMA', period: 50 },
  { kind: 'RSI', period: 14 },
  { kind: 'MACD', fast: 12, slow: 26, signal: 9 },
  { kind: 'BB', period: 20, deviations: 2 },
  { kind: 'ATR', period: 14 },
  { kind: 'ADX', period: 14 },
  { kind: 'STOCH', kPeriod: 14, kSmoothing: 3, dPeriod: 3 },
  { kind: 'WILLR', period: 14 },
  { kind: 'CCI', period: 20 },
  { kind: 'ROC', period: 10 },
  { kind: 'OBV' },
  { kind: 'MFI', period: 14 },
  { kind: 'AO', fast: 5, slow: 34 },
]);
