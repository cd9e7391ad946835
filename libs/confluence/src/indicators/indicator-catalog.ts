/**
 * The indicator catalog: every kind of spec and the entry that defines it. Each indicator lives in
 * its own folder (`rsi/`: stream class, batch kernel, catalog entry, spec); this file assembles the
 * entries, and the machinery they share is in indicator-definition.ts.
 */
import { defineAdLine } from './ad-line/ad-line.entry.js';
import { defineAtr } from './atr/atr.entry.js';
import { defineAwesomeOscillator } from './awesome-oscillator/awesome-oscillator.entry.js';
import { defineBollinger } from './bollinger/bollinger.entry.js';
import { defineCci } from './cci/cci.entry.js';
import { defineCmf } from './cmf/cmf.entry.js';
import { defineDirectional } from './directional/directional.entry.js';
import { defineEma } from './ema/ema.entry.js';
import type {
  IndicatorDefinition,
  IndicatorEntry,
  IndicatorKind,
  IndicatorSpec,
} from './indicator-definition.js';
import { defineMacd } from './macd/macd.entry.js';
import { defineMfi } from './mfi/mfi.entry.js';
import { defineObv } from './obv/obv.entry.js';
import { defineRoc } from './roc/roc.entry.js';
import { defineRsi } from './rsi/rsi.entry.js';
import { defineSessionVwap } from './session-vwap/session-vwap.entry.js';
import { defineSma } from './sma/sma.entry.js';
import { defineStochastic } from './stochastic/stochastic.entry.js';
import { defineWilliamsR } from './williams-r/williams-r.entry.js';

export type {
  IndicatorDefinition,
  IndicatorOutput,
  IndicatorSpec,
  OutputStream,
} from './indicator-definition.js';

/** One entry a kind: the compiler refuses a kind without one. */
const ENTRIES: { readonly [K in IndicatorKind]: IndicatorEntry<K> } = Object.freeze({
  SMA: defineSma,
  EMA: defineEma,
  RSI: defineRsi,
  ATR: defineAtr,
  ADX: defineDirectional,
  WILLR: defineWilliamsR,
  CCI: defineCci,
  ROC: defineRoc,
  MFI: defineMfi,
  CMF: defineCmf,
  OBV: defineObv,
  AD: defineAdLine,
  VWAP: defineSessionVwap,
  AO: defineAwesomeOscillator,
  MACD: defineMacd,
  BB: defineBollinger,
  STOCH: defineStochastic,
});

export function defineIndicator(spec: IndicatorSpec): IndicatorDefinition {
  // The entry of `spec.kind` takes exactly that kind's spec; the compiler cannot pair the two.
  const entry = ENTRIES[spec.kind] as (spec: IndicatorSpec) => IndicatorDefinition;
  return entry(spec);
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
