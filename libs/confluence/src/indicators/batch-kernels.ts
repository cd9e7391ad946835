/**
 * Batch kernels: the same definitions as the streaming indicators, as straight loops over
 * Float64Arrays, for cold starts, backtests and the indicator export. NaN marks "not ready".
 * `indicator-equivalence.spec.ts` proves each equal to its streaming twin on real candles.
 */
import type { CandleColumns } from './indicator.types.js';
import { FLAT_TOLERANCE } from './momentum.indicators.js';

export function notReady(length: number): Float64Array {
  return new Float64Array(length).fill(Number.NaN);
}

/** SMA of `source` from index `start` on; first value at start + period − 1. */
export function smaKernel(source: Float64Array, period: number, start = 0): Float64Array {
  const out = notReady(source.length);
  let sum = 0;
  for (let i = start; i < source.length; i++) {
    sum += source[i] as number;
    if (i - start >= period) sum -= source[i - period] as number;
    if (i - start >= period - 1) out[i] = sum / period;
  }
  return out;
}

/** TA-Lib EMA: SMA seed over source[start .. start+period−1], then k = 2 / (period + 1). */
export function emaKernel(source: Float64Array, period: number, start = 0): Float64Array {
  return smoothKernel(source, period, start, 2 / (period + 1));
}

/** Wilder's smoothing (RMA): SMA seed, then k = 1 / period. */
export function wilderKernel(source: Float64Array, period: number, start = 0): Float64Array {
  return smoothKernel(source, period, start, 1 / period);
}

function smoothKernel(source: Float64Array, period: number, start: number, k: number): Float64Array {
  const out = notReady(source.length);
  const seedAt = start + period - 1;
  if (seedAt >= source.length) return out;
  let value = 0;
  for (let i = start; i <= seedAt; i++) value += source[i] as number;
  value /= period;
  out[seedAt] = value;
  for (let i = seedAt + 1; i < source.length; i++) {
    value = (source[i] as number) * k + value * (1 - k);
    out[i] = value;
  }
  return out;
}

export function rsiKernel(close: Float64Array, period: number): Float64Array {
  const n = close.length;
  const out = notReady(n);
  const k = 1 / period;
  let gain = 0;
  let loss = 0;
  // One pass: Wilder averages of gains and losses, seeded with their SMA over the first period.
  for (let i = 1; i < n; i++) {
    const change = (close[i] as number) - (close[i - 1] as number);
    const up = change > 0 ? change : 0;
    const down = change < 0 ? -change : 0;
    if (i < period) {
      gain += up;
      loss += down;
      continue;
    }
    if (i === period) {
      gain = (gain + up) / period;
      loss = (loss + down) / period;
    } else {
      gain = up * k + gain * (1 - k);
      loss = down * k + loss * (1 - k);
    }
    const total = gain + loss;
    out[i] = total > 0 ? (100 * gain) / total : 50;
  }
  return out;
}

export function macdKernel(close: Float64Array, fast: number, slow: number, signal: number): Float64Array[] {
  const n = close.length;
  const slowEma = emaKernel(close, slow);
  const fastEma = emaKernel(close, fast, slow - fast);
  const line = notReady(n);
  for (let i = slow - 1; i < n; i++) line[i] = (fastEma[i] as number) - (slowEma[i] as number);
  const signalLine = emaKernel(line, signal, slow - 1);
  const macd = notReady(n);
  const histogram = notReady(n);
  for (let i = slow + signal - 2; i < n; i++) {
    macd[i] = line[i] as number;
    histogram[i] = (line[i] as number) - (signalLine[i] as number);
  }
  return [macd, signalLine, histogram];
}

export function bollingerKernel(close: Float64Array, period: number, deviations: number): Float64Array[] {
  const n = close.length;
  const middle = smaKernel(close, period);
  const upper = notReady(n);
  const lower = notReady(n);
  for (let i = period - 1; i < n; i++) {
    const mean = middle[i] as number;
    let squares = 0;
    for (let j = i - period + 1; j <= i; j++) squares += ((close[j] as number) - mean) ** 2;
    const band = deviations * Math.sqrt(squares / period);
    upper[i] = mean + band;
    lower[i] = mean - band;
  }
  return [upper, middle, lower];
}

function trueRanges(c: CandleColumns): Float64Array {
  const out = new Float64Array(c.length);
  for (let i = 1; i < c.length; i++) {
    const previousClose = c.close[i - 1] as number;
    out[i] = Math.max(c.high[i] as number, previousClose) - Math.min(c.low[i] as number, previousClose);
  }
  return out;
}

export function atrKernel(c: CandleColumns, period: number): Float64Array {
  return wilderKernel(trueRanges(c), period, 1);
}

/** TA-Lib ADX, +DI, −DI in percent (see Directional for the departures it corrects). */
export function directionalKernel(c: CandleColumns, period: number): Float64Array[] {
  const n = c.length;
  const adx = notReady(n);
  const plusDi = notReady(n);
  const minusDi = notReady(n);
  const range = trueRanges(c);
  let plusDm = 0;
  let minusDm = 0;
  let tr = 0;
  let dxSum = 0;
  let average = Number.NaN;
  for (let i = 1; i < n; i++) {
    const upMove = (c.high[i] as number) - (c.high[i - 1] as number);
    const downMove = (c.low[i - 1] as number) - (c.low[i] as number);
    const plus = upMove > 0 && upMove > downMove ? upMove : 0;
    const minus = downMove > 0 && downMove > upMove ? downMove : 0;
    if (i < period) {
      plusDm += plus;
      minusDm += minus;
      tr += range[i] as number;
      continue;
    }
    plusDm += plus - plusDm / period;
    minusDm += minus - minusDm / period;
    tr += (range[i] as number) - tr / period;
    const p = tr > 0 ? (100 * plusDm) / tr : 0;
    const m = tr > 0 ? (100 * minusDm) / tr : 0;
    plusDi[i] = p;
    minusDi[i] = m;
    const dx = p + m > 0 ? (100 * Math.abs(p - m)) / (p + m) : Number.NaN;
    if (i < 2 * period - 1) {
      if (!Number.isNaN(dx)) dxSum += dx;
      continue;
    }
    if (i === 2 * period - 1) average = (dxSum + (Number.isNaN(dx) ? 0 : dx)) / period;
    else if (!Number.isNaN(dx)) average = (average * (period - 1) + dx) / period;
    adx[i] = average;
  }
  return [adx, plusDi, minusDi];
}

/**
 * Position of close in the `period` range, 0..1 (0.5 when flat), from index period − 1. Rolling
 * highest/lowest via monotonic deques (van Herk/Gil-Werman style sliding extremes): O(1) amortised.
 */
function rangePositions(c: CandleColumns, period: number): Float64Array {
  const n = c.length;
  const out = notReady(n);
  const maxQueue = new Int32Array(n);
  const minQueue = new Int32Array(n);
  let maxHead = 0;
  let maxTail = 0;
  let minHead = 0;
  let minTail = 0;
  for (let i = 0; i < n; i++) {
    const high = c.high[i] as number;
    const low = c.low[i] as number;
    while (maxTail > maxHead && (c.high[maxQueue[maxTail - 1] as number] as number) <= high) maxTail--;
    maxQueue[maxTail++] = i;
    while (minTail > minHead && (c.low[minQueue[minTail - 1] as number] as number) >= low) minTail--;
    minQueue[minTail++] = i;
    if ((maxQueue[maxHead] as number) <= i - period) maxHead++;
    if ((minQueue[minHead] as number) <= i - period) minHead++;
    if (i < period - 1) continue;
    const highest = c.high[maxQueue[maxHead] as number] as number;
    const lowest = c.low[minQueue[minHead] as number] as number;
    const range = highest - lowest;
    out[i] = range > 0 ? ((c.close[i] as number) - lowest) / range : 0.5;
  }
  return out;
}

export function stochasticKernel(
  c: CandleColumns,
  kPeriod: number,
  kSmoothing: number,
  dPeriod: number,
): Float64Array[] {
  const n = c.length;
  const fastK = rangePositions(c, kPeriod);
  const slowK = notReady(n);
  const k = notReady(n);
  const d = notReady(n);
  const firstSlowK = kPeriod + kSmoothing - 2;
  const firstD = firstSlowK + dPeriod - 1;
  // One pass: SMA of fast %K (slow %K) and SMA of slow %K (%D) as running sums.
  let kSum = 0;
  let dSum = 0;
  for (let i = kPeriod - 1; i < n; i++) {
    kSum += 100 * (fastK[i] as number);
    if (i - kSmoothing >= kPeriod - 1) kSum -= 100 * (fastK[i - kSmoothing] as number);
    if (i < firstSlowK) continue;
    const slow = kSum / kSmoothing;
    slowK[i] = slow;
    dSum += slow;
    if (i - dPeriod >= firstSlowK) dSum -= slowK[i - dPeriod] as number;
    if (i < firstD) continue;
    k[i] = slow;
    d[i] = dSum / dPeriod;
  }
  return [k, d];
}

export function williamsRKernel(c: CandleColumns, period: number): Float64Array {
  const out = rangePositions(c, period);
  for (let i = 0; i < out.length; i++) out[i] = -100 * (1 - (out[i] as number));
  return out;
}

export function cciKernel(c: CandleColumns, period: number): Float64Array {
  const n = c.length;
  const typical = new Float64Array(n);
  for (let i = 0; i < n; i++)
    typical[i] = ((c.high[i] as number) + (c.low[i] as number) + (c.close[i] as number)) / 3;
  const out = notReady(n);
  for (let i = period - 1; i < n; i++) {
    let sum = 0;
    for (let j = i - period + 1; j <= i; j++) sum += typical[j] as number;
    const mean = sum / period;
    let deviation = 0;
    for (let j = i - period + 1; j <= i; j++) deviation += Math.abs((typical[j] as number) - mean);
    deviation /= period;
    out[i] =
      deviation > FLAT_TOLERANCE * Math.abs(mean) ? ((typical[i] as number) - mean) / (0.015 * deviation) : 0;
  }
  return out;
}

export function rocKernel(close: Float64Array, period: number): Float64Array {
  const out = notReady(close.length);
  for (let i = period; i < close.length; i++) {
    const previous = close[i - period] as number;
    out[i] = (((close[i] as number) - previous) / previous) * 100;
  }
  return out;
}

export function obvKernel(c: CandleColumns): Float64Array {
  const out = notReady(c.length);
  if (c.length === 0) return out;
  let total = c.volume[0] as number;
  out[0] = total;
  for (let i = 1; i < c.length; i++) {
    const change = (c.close[i] as number) - (c.close[i - 1] as number);
    if (change > 0) total += c.volume[i] as number;
    else if (change < 0) total -= c.volume[i] as number;
    out[i] = total;
  }
  return out;
}

export function mfiKernel(c: CandleColumns, period: number): Float64Array {
  const n = c.length;
  const positive = new Float64Array(n);
  const negative = new Float64Array(n);
  let previousTypical = Number.NaN;
  for (let i = 0; i < n; i++) {
    const typical = ((c.high[i] as number) + (c.low[i] as number) + (c.close[i] as number)) / 3;
    const flow = typical * (c.volume[i] as number);
    if (typical > previousTypical) positive[i] = flow;
    else if (typical < previousTypical) negative[i] = flow;
    previousTypical = typical;
  }
  const out = notReady(n);
  let up = 0;
  let down = 0;
  for (let i = 1; i < n; i++) {
    up += positive[i] as number;
    down += negative[i] as number;
    if (i > period) {
      up -= positive[i - period] as number;
      down -= negative[i - period] as number;
    }
    if (i >= period) out[i] = up + down > 0 ? (100 * up) / (up + down) : 50;
  }
  return out;
}

function moneyFlowVolumes(c: CandleColumns): Float64Array {
  const out = new Float64Array(c.length);
  for (let i = 0; i < c.length; i++) {
    const high = c.high[i] as number;
    const low = c.low[i] as number;
    const close = c.close[i] as number;
    const range = high - low;
    out[i] = range > 0 ? ((close - low - (high - close)) / range) * (c.volume[i] as number) : 0;
  }
  return out;
}

export function cmfKernel(c: CandleColumns, period: number): Float64Array {
  const flow = moneyFlowVolumes(c);
  const out = notReady(c.length);
  let flowSum = 0;
  let volumeSum = 0;
  for (let i = 0; i < c.length; i++) {
    flowSum += flow[i] as number;
    volumeSum += c.volume[i] as number;
    if (i >= period) {
      flowSum -= flow[i - period] as number;
      volumeSum -= c.volume[i - period] as number;
    }
    if (i >= period - 1) out[i] = volumeSum > 0 ? flowSum / volumeSum : 0;
  }
  return out;
}

export function adLineKernel(c: CandleColumns): Float64Array {
  const flow = moneyFlowVolumes(c);
  const out = new Float64Array(c.length);
  let total = 0;
  for (let i = 0; i < c.length; i++) {
    total += flow[i] as number;
    out[i] = total;
  }
  return out;
}

export function awesomeOscillatorKernel(c: CandleColumns, fast: number, slow: number): Float64Array {
  const n = c.length;
  const median = new Float64Array(n);
  for (let i = 0; i < n; i++) median[i] = ((c.high[i] as number) + (c.low[i] as number)) / 2;
  const out = notReady(n);
  // One pass with both running sums: AO = SMA(fast) − SMA(slow) of the median price.
  let fastSum = 0;
  let slowSum = 0;
  for (let i = 0; i < n; i++) {
    const m = median[i] as number;
    fastSum += m;
    slowSum += m;
    if (i >= fast) fastSum -= median[i - fast] as number;
    if (i >= slow) slowSum -= median[i - slow] as number;
    if (i >= slow - 1) out[i] = fastSum / fast - slowSum / slow;
  }
  return out;
}

export function sessionVwapKernel(c: CandleColumns): Float64Array {
  const out = notReady(c.length);
  let session = Number.NaN;
  let priceVolume = 0;
  let volume = 0;
  for (let i = 0; i < c.length; i++) {
    const day = Math.floor((c.timestamp[i] as number) / 86_400_000);
    if (day !== session) {
      session = day;
      priceVolume = 0;
      volume = 0;
    }
    const typical = ((c.high[i] as number) + (c.low[i] as number) + (c.close[i] as number)) / 3;
    priceVolume += typical * (c.volume[i] as number);
    volume += c.volume[i] as number;
    if (volume > 0) out[i] = priceVolume / volume;
  }
  return out;
}
