/**
 * Engine benchmark (`npm run bench:engine`). Every figure is measured in this run against a
 * baseline measured in the same run, and printed with its budget from DESIGN.md:
 * - streaming: full indicator set through the engine vs calling trading-signals' add() directly;
 * - batch: the batch kernels for the full set vs a hand-written fused Float64Array loop;
 * - live update: new closed candle → new result for one market (p50/p99);
 * - cold analysis: 3 timeframes × 500 candles.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import {
  AD,
  ADX,
  AO,
  ATR,
  BollingerBands,
  CCI,
  CMF,
  EMA,
  MACD,
  MFI,
  OBV,
  ROC,
  RSI,
  StochasticOscillator,
  VWAP,
  WilliamsR,
} from 'trading-signals';
import { INDICATORS_DEFAULTS, WEIGHTS_DEFAULTS } from '@app/config';
import {
  type Candle,
  createConfluenceEngine,
  engineIndicators,
  IndicatorSet,
  toColumns,
} from '@app/confluence';
import { median, row } from './bench-kit.js';

const ROOT = path.resolve(import.meta.dirname, '../..');

function load(file: string): Candle[] {
  return readFileSync(path.join(ROOT, 'data', file), 'utf8')
    .trim()
    .split('\n')
    .slice(1)
    .map((line) => {
      const [timestamp = 0, open = 0, high = 0, low = 0, close = 0, volume = 0] = line.split(',').map(Number);
      return { timestamp, open, high, low, close, volume };
    });
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? Number.NaN;
}

const candles = load('BTC-USDT_1m_2021-02-19_binance.csv');
const n = candles.length;
const { plan } = engineIndicators(INDICATORS_DEFAULTS);

// --- Streaming: the engine's indicator set vs trading-signals called directly -----------------
function viaTradingSignals(): number {
  const c = INDICATORS_DEFAULTS;
  const set = [
    new RSI(c.rsi.period),
    new MACD(new EMA(c.macd.fast), new EMA(c.macd.slow), new EMA(c.macd.signal)),
    new BollingerBands(c.bollinger.period, c.bollinger.stdDev),
    new ATR(c.atr.period),
    new ADX(c.adx.period),
    new StochasticOscillator({ kPeriod: 14, kSlowingPeriod: 3, dPeriod: 3 }),
    new WilliamsR(c.williamsR.period),
    new CCI(c.cci.period),
    new ROC(c.roc.period),
    new MFI(c.mfi.period),
    new AO(c.awesomeOscillator.fast, c.awesomeOscillator.slow),
    new CMF(c.cmf.period),
    new OBV(2),
    new AD(),
    new VWAP(),
    new EMA(c.movingAverages.fast),
    new EMA(c.movingAverages.slow),
  ] as const;
  const [rsi, macd, bb, atr, adx, stoch, willr, cci, roc, mfi, ao, cmf, obv, ad, vwap, fast, slow] = set;
  for (const candle of candles) {
    rsi.add(candle.close);
    macd.add(candle.close);
    bb.add(candle.close);
    atr.add(candle);
    adx.add(candle);
    stoch.add(candle);
    willr.add(candle);
    cci.add(candle);
    roc.add(candle.close);
    mfi.add(candle);
    ao.add(candle);
    cmf.add(candle);
    obv.add(candle);
    ad.add(candle);
    vwap.add(candle);
    fast.add(candle.close);
    slow.add(candle.close);
  }
  return rsi.getResult() ?? 0;
}

function viaEngineStreaming(): number {
  const set = new IndicatorSet(plan);
  for (const candle of candles) set.add(candle);
  return set.get('RSI_14') ?? 0;
}

// --- Batch: the engine's kernels vs a hand-written fused loop of eleven indicators ------------
const columns = toColumns(candles);

function viaEngineBatch(): number {
  const series = plan.computeColumns(columns);
  return series.get('RSI_14')?.[n - 1] ?? 0;
}

/** SMA20, EMA12/26, MACD signal, RSI14, ATR14, OBV, A/D, ROC12, CMF20, MFI14 in one pass. */
function handWrittenLoop(): number {
  const { close, high, low, volume } = columns;
  const out = new Float64Array(n * 11);
  let sma = 0;
  let emaFast = close[0] ?? 0;
  let emaSlow = emaFast;
  let signal = 0;
  let gain = 0;
  let loss = 0;
  let atr = 0;
  let obv = 0;
  let ad = 0;
  let flowSum = 0;
  let volumeSum = 0;
  let positive = 0;
  let negative = 0;
  const flows = new Float64Array(n);
  const money = new Float64Array(n);
  for (let i = 1; i < n; i++) {
    const c = close[i] as number;
    const p = close[i - 1] as number;
    const h = high[i] as number;
    const l = low[i] as number;
    const v = volume[i] as number;
    sma += c - (i >= 20 ? (close[i - 20] as number) : 0);
    emaFast += (c - emaFast) * (2 / 13);
    emaSlow += (c - emaSlow) * (2 / 27);
    signal += (emaFast - emaSlow - signal) * 0.2;
    const change = c - p;
    gain += ((change > 0 ? change : 0) - gain) / 14;
    loss += ((change < 0 ? -change : 0) - loss) / 14;
    atr += (Math.max(h, p) - Math.min(l, p) - atr) / 14;
    obv += change > 0 ? v : change < 0 ? -v : 0;
    const range = h - l;
    const flow = range > 0 ? ((c - l - (h - c)) / range) * v : 0;
    ad += flow;
    flows[i] = flow;
    flowSum += flow - (i >= 20 ? (flows[i - 20] as number) : 0);
    volumeSum += v - (i >= 20 ? (volume[i - 20] as number) : 0);
    const typical = (h + l + c) / 3;
    const mf = typical * v * Math.sign(change);
    money[i] = mf;
    positive +=
      (mf > 0 ? mf : 0) - (i >= 14 && (money[i - 14] as number) > 0 ? (money[i - 14] as number) : 0);
    negative +=
      (mf < 0 ? -mf : 0) - (i >= 14 && (money[i - 14] as number) < 0 ? -(money[i - 14] as number) : 0);
    const o = i * 11;
    out[o] = sma / 20;
    out[o + 1] = emaFast;
    out[o + 2] = emaSlow;
    out[o + 3] = signal;
    out[o + 4] = (100 * gain) / (gain + loss || 1);
    out[o + 5] = atr;
    out[o + 6] = obv;
    out[o + 7] = ad;
    out[o + 8] = i >= 12 ? (c / (close[i - 12] as number) - 1) * 100 : 0;
    out[o + 9] = volumeSum > 0 ? flowSum / volumeSum : 0;
    out[o + 10] = (100 * positive) / (positive + negative || 1);
  }
  return out[n * 11 - 1] ?? 0;
}

/** EMA(12) + RSI(14) alone, the minimal hand-written baseline the issue names. */
function handWrittenEmaRsi(): number {
  const { close } = columns;
  const out = new Float64Array(2 * n);
  let ema = close[0] ?? 0;
  let gain = 0;
  let loss = 0;
  for (let i = 1; i < n; i++) {
    const c = close[i] as number;
    const change = c - (close[i - 1] as number);
    ema += (c - ema) * (2 / 13);
    gain += ((change > 0 ? change : 0) - gain) / 14;
    loss += ((change < 0 ? -change : 0) - loss) / 14;
    out[2 * i] = ema;
    out[2 * i + 1] = (100 * gain) / (gain + loss || 1);
  }
  return out[2 * n - 1] ?? 0;
}

const nsPerCandle = (ms: number) => (ms * 1e6) / n;
const tsDirect = nsPerCandle(median(viaTradingSignals));
const engineStream = nsPerCandle(median(viaEngineStreaming));
const batch = nsPerCandle(median(viaEngineBatch));
const hand = nsPerCandle(median(handWrittenLoop));
const handEmaRsi = nsPerCandle(median(handWrittenEmaRsi));

// --- Live update: closed candle → result for one market -------------------------------------
const engine = createConfluenceEngine({ indicators: INDICATORS_DEFAULTS, weights: WEIGHTS_DEFAULTS });
const key = { exchange: 'binance', symbol: 'BTC/USDT', timeframe: '1m' as const };
const latencies: number[] = [];
candles.forEach((candle, i) => {
  const start = performance.now();
  engine.addCandle(key, candle);
  engine.analyze(key, candle.timestamp + 60_000);
  if (i >= 1000) latencies.push(performance.now() - start);
});
latencies.sort((a, b) => a - b);

// --- Cold analysis: 3 timeframes × 500 candles -----------------------------------------------
function aggregate(source: readonly Candle[], size: number): Candle[] {
  const out: Candle[] = [];
  for (let i = 0; i + size <= source.length; i += size) {
    const group = source.slice(i, i + size);
    out.push({
      timestamp: group[0]?.timestamp ?? 0,
      open: group[0]?.open ?? 0,
      high: Math.max(...group.map((c) => c.high)),
      low: Math.min(...group.map((c) => c.low)),
      close: group.at(-1)?.close ?? 0,
      volume: group.reduce((s, c) => s + c.volume, 0),
    });
  }
  return out;
}
const request = {
  exchange: 'binance',
  symbol: 'BTC/USDT',
  candles: {
    '1m': candles.slice(-500),
    '5m': aggregate(candles, 5).slice(-500),
    '15m': aggregate(candles, 15).slice(-500),
  },
};
const cold = median(() => {
  const outcome = engine.analyzeCandles(request, 0);
  if (outcome.status !== 'ready') throw new Error(`cold analysis did not score: ${outcome.status}`);
  return outcome.result.score;
}, 21);

console.log(
  `engine benchmark — ${n} real BTC/USDT 1m candles, ${plan.names.length} indicator outputs (${plan.definitions.length} indicators)\n`,
);
console.log(
  `trading-signals add(), same ${plan.definitions.length} indicators        ${tsDirect.toFixed(0).padStart(8)} ns/candle (baseline)`,
);
console.log(
  `hand-written Float64Array loop, 11 indicators fused  ${hand.toFixed(0).padStart(8)} ns/candle (baseline)`,
);
console.log(
  `hand-written Float64Array loop, EMA + RSI            ${handEmaRsi.toFixed(0).padStart(8)} ns/candle (reference)\n`,
);
row('streaming, full set (engine IndicatorSet)', `${engineStream.toFixed(0)} ns`, '', true);
row(
  '  ratio to trading-signals direct',
  `${(engineStream / tsDirect).toFixed(2)}×`,
  '≤ 1.5×',
  engineStream / tsDirect <= 1.5,
);
row('batch kernels, full set', `${batch.toFixed(0)} ns`, '', true);
row('  ratio to hand-written loop', `${(batch / hand).toFixed(2)}×`, '≤ 10×', batch / hand <= 10);
row('  ratio to trading-signals direct', `${(batch / tsDirect).toFixed(2)}×`, '(faster is < 1)', true);
row(
  'live update p50 (add candle + analyze, one market)',
  `${(percentile(latencies, 0.5) * 1000).toFixed(0)} µs`,
  '',
  true,
);
row(
  'live update p99',
  `${(percentile(latencies, 0.99) * 1000).toFixed(0)} µs`,
  '≤ 2000 µs',
  percentile(latencies, 0.99) <= 2,
);
row('cold analysis, 3 timeframes × 500 candles (median)', `${cold.toFixed(2)} ms`, '≤ 5 ms', cold <= 5);
