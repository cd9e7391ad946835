import { type CsvCandle, loadMarketCandles, MARKET_FILES } from '../market-data.js';
import type { FakeExchangeId } from './types.js';

const UNIT_MS: Readonly<Record<string, number>> = {
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

/** Duration of a fixed-length ccxt timeframe (`1m`, `5m`, `1h`, `1d`, `1w`); `undefined` for `1M` and junk. */
export function timeframeMs(timeframe: string): number | undefined {
  const match = /^(\d+)([smhdw])$/.exec(timeframe);
  if (match === null) return undefined;
  const unit = UNIT_MS[match[2] as string];
  return unit === undefined ? undefined : Number(match[1]) * unit;
}

/** The spot symbol a perpetual's candles fall back to: `BTC/USDT:USDT` → `BTC/USDT`. */
export function spotSymbolOf(symbol: string): string {
  const colon = symbol.indexOf(':');
  return colon < 0 ? symbol : symbol.slice(0, colon);
}

function roundTo(value: number, decimals: number): number {
  const factor = 10 ** decimals;
  return Math.round(value * factor) / factor;
}

/**
 * The still-forming version of a candle: half-way to its close, its extremes half-way to the
 * final ones (never inside the open/close body), half its volume. Rounded to the price tick's
 * decimals (volume to 8), so it survives string formatting exactly. A consumer that publishes a
 * forming candle publishes these (wrong) values.
 */
export function formingCandle(candle: CsvCandle, priceDecimals = 2): CsvCandle {
  const open = candle.open;
  const close = roundTo(open + (candle.close - open) / 2, priceDecimals);
  const high = roundTo(Math.max(open, close, open + (candle.high - open) / 2), priceDecimals);
  const low = roundTo(Math.min(open, close, open + (candle.low - open) / 2), priceDecimals);
  return { timestamp: candle.timestamp, open, high, low, close, volume: roundTo(candle.volume / 2, 8) };
}

/** A served candle: `closed` false for the one forming at the clock reading. */
export interface ServedCandle extends CsvCandle {
  readonly closed: boolean;
}

export interface KlineQuery {
  readonly start: number | undefined;
  readonly end: number | undefined;
  readonly limit: number;
}

/** Index of the first candle whose open time is > `time` (candles sorted ascending). */
function upperBound(candles: readonly CsvCandle[], time: number): number {
  let lo = 0;
  let hi = candles.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((candles[mid] as CsvCandle).timestamp <= time) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Index of the first candle whose open time is >= `time` (ascending candles). */
export function lowerBound(candles: readonly CsvCandle[], time: number): number {
  let lo = 0;
  let hi = candles.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((candles[mid] as CsvCandle).timestamp < time) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * The window an exchange serves at `now`: only candles with open ≤ now (the last one forming when
 * now < open + interval). With `start`: the first `limit` candles from there (up to `end`); without:
 * the last `limit` candles up to `end` (default now). Ascending order.
 */
export function servedWindow(
  candles: readonly CsvCandle[],
  intervalMs: number,
  now: number,
  query: KlineQuery,
  priceDecimals: number,
): ServedCandle[] {
  const visibleEnd = upperBound(candles, Math.min(now, query.end ?? now));
  let from: number;
  let to: number;
  if (query.start !== undefined) {
    from = lowerBound(candles, query.start);
    to = Math.min(visibleEnd, from + query.limit);
  } else {
    to = visibleEnd;
    from = Math.max(0, to - query.limit);
  }
  const out: ServedCandle[] = [];
  for (let i = from; i < to; i++) {
    const candle = candles[i] as CsvCandle;
    const forming = now < candle.timestamp + intervalMs;
    out.push({ ...(forming ? formingCandle(candle, priceDecimals) : candle), closed: !forming });
  }
  return out;
}

/** The latest candle closed at `now`, else the first one (a reference price before the data starts). */
export function referenceCandle(
  candles: readonly CsvCandle[],
  intervalMs: number,
  now: number,
): CsvCandle | undefined {
  const closedEnd = upperBound(candles, now - intervalMs);
  return closedEnd > 0 ? candles[closedEnd - 1] : candles[0];
}

function aggregate(candles: readonly CsvCandle[], intervalMs: number): CsvCandle[] {
  const out: CsvCandle[] = [];
  for (const c of candles) {
    const bucket = Math.floor(c.timestamp / intervalMs) * intervalMs;
    const last = out[out.length - 1];
    if (last?.timestamp === bucket) {
      out[out.length - 1] = {
        ...last,
        high: Math.max(last.high, c.high),
        low: Math.min(last.low, c.low),
        close: c.close,
        volume: roundTo(last.volume + c.volume, 8),
      };
    } else {
      out.push({ ...c, timestamp: bucket });
    }
  }
  return out;
}

/**
 * Candles per (exchange, symbol, timeframe). `*` as exchange serves both; a perpetual falls back to
 * its spot symbol's candles; a timeframe missing from the data is aggregated from the coarsest
 * stored one that divides it (LTC/USDT 5m from 1m).
 */
export class FakeDataset {
  private readonly series = new Map<string, readonly CsvCandle[]>();
  private readonly aggregated = new Map<string, readonly CsvCandle[]>();
  /** `finest()` answers by `exchange|symbol` (the streams ask once per book step and market). */
  private readonly finestCache = new Map<
    string,
    { candles: readonly CsvCandle[]; intervalMs: number } | undefined
  >();

  set(
    exchange: FakeExchangeId | '*',
    symbol: string,
    timeframe: string,
    candles: readonly CsvCandle[],
  ): this {
    if (timeframeMs(timeframe) === undefined) throw new Error(`unsupported timeframe ${timeframe}`);
    const sorted = [...candles].sort((a, b) => a.timestamp - b.timestamp);
    this.series.set(`${exchange}|${symbol}|${timeframe}`, sorted);
    this.aggregated.clear();
    this.finestCache.clear();
    return this;
  }

  /** Stored or aggregated candles, ascending; `undefined` when the symbol has no data at all. */
  get(exchange: FakeExchangeId, symbol: string, timeframe: string): readonly CsvCandle[] | undefined {
    const target = timeframeMs(timeframe);
    for (const sym of symbol === spotSymbolOf(symbol) ? [symbol] : [symbol, spotSymbolOf(symbol)]) {
      for (const ex of [exchange, '*']) {
        const exact = this.series.get(`${ex}|${sym}|${timeframe}`);
        if (exact !== undefined) return exact;
        if (target === undefined) continue;
        const base = this.coarsestDivisor(ex, sym, target);
        if (base === undefined) continue;
        const key = `${ex}|${sym}|${timeframe}`;
        const cached = this.aggregated.get(key) ?? aggregate(base, target);
        this.aggregated.set(key, cached);
        return cached;
      }
    }
    return undefined;
  }

  /** The finest series of a symbol (for order books, trades, funding: the freshest reference price). */
  finest(
    exchange: FakeExchangeId,
    symbol: string,
  ): { candles: readonly CsvCandle[]; intervalMs: number } | undefined {
    const key = `${exchange}|${symbol}`;
    if (this.finestCache.has(key)) return this.finestCache.get(key);
    let best: { candles: readonly CsvCandle[]; intervalMs: number } | undefined;
    for (const [seriesKey, candles] of this.series) {
      const [ex, sym, tf] = seriesKey.split('|') as [string, string, string];
      if ((ex !== exchange && ex !== '*') || (sym !== symbol && sym !== spotSymbolOf(symbol))) continue;
      const ms = timeframeMs(tf) as number;
      if (best === undefined || ms < best.intervalMs) best = { candles, intervalMs: ms };
    }
    this.finestCache.set(key, best);
    return best;
  }

  private coarsestDivisor(
    exchange: string,
    symbol: string,
    target: number,
  ): readonly CsvCandle[] | undefined {
    let best: { candles: readonly CsvCandle[]; ms: number } | undefined;
    for (const [key, candles] of this.series) {
      const [ex, sym, tf] = key.split('|') as [string, string, string];
      if (ex !== exchange || sym !== symbol) continue;
      const ms = timeframeMs(tf) as number;
      if (target % ms === 0 && ms < target && (best === undefined || ms > best.ms)) best = { candles, ms };
    }
    return best?.candles;
  }
}

/** BTC/USDT 1m + 5m (2021-02-19, 7 days) and LTC/USDT 1m (2020-11-08, 2 days), served by both exchanges. */
export function defaultFakeDataset(): FakeDataset {
  return new FakeDataset()
    .set('*', 'BTC/USDT', '1m', loadMarketCandles(MARKET_FILES.btc1m))
    .set('*', 'BTC/USDT', '5m', loadMarketCandles(MARKET_FILES.btc5m))
    .set('*', 'LTC/USDT', '1m', loadMarketCandles(MARKET_FILES.ltc1m));
}

/** BTC/USDT 1m + 5m from the bundled files, and LTC/USDT 1m moved onto BTC's dates so both trade at once. */
export function alignedFakeDataset(): FakeDataset {
  const btc1m = loadMarketCandles(MARKET_FILES.btc1m);
  const ltc1m = loadMarketCandles(MARKET_FILES.ltc1m);
  const shift = (btc1m[0]?.timestamp ?? 0) - (ltc1m[0]?.timestamp ?? 0);
  return new FakeDataset()
    .set('*', 'BTC/USDT', '1m', btc1m)
    .set('*', 'BTC/USDT', '5m', loadMarketCandles(MARKET_FILES.btc5m))
    .set(
      '*',
      'LTC/USDT',
      '1m',
      ltc1m.map((candle) => ({ ...candle, timestamp: candle.timestamp + shift })),
    );
}
