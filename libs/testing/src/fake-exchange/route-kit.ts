import type { CsvCandle } from '../market-data.js';
import {
  type FakeDataset,
  referenceCandle,
  servedWindow,
  type ServedCandle,
  timeframeMs,
} from './candles.js';
import { shuffleRows } from './faults.js';
import type { FakeMarket } from './fixtures.js';
import type { FakeExchangeId, JsonValue, RouteContext, RouteResponse } from './types.js';

/** Exchange-style decimal string with a fixed number of decimals (`"51552.61000000"`). */
export function fixed(value: number, decimals: number): string {
  return value.toFixed(decimals);
}

/** Decimal string without trailing zeros (`"134.989218"`), at most `maxDecimals`. */
export function plain(value: number, maxDecimals = 8): string {
  const text = value.toFixed(maxDecimals);
  return text.includes('.') ? text.replace(/\.?0+$/, '') : text;
}

export function ok(body: JsonValue): RouteResponse {
  return { status: 200, body };
}

/** An integer query parameter: `undefined` when absent, `null` when present but not an integer. */
export function intParam(query: Readonly<Record<string, string>>, name: string): number | undefined | null {
  const raw = query[name];
  if (raw === undefined || raw === '') return undefined;
  return /^-?\d+$/.test(raw) ? Number(raw) : null;
}

export function clampLimit(limit: number | undefined, fallback: number, max: number): number {
  return Math.max(1, Math.min(limit ?? fallback, max));
}

export interface KlineWindow {
  readonly candles: ServedCandle[];
  readonly intervalMs: number;
}

/**
 * The candles a kline endpoint serves (ascending, shuffled if a `shuffle` fault asks for it,
 * without the ones an `omitCandles` fault hides);
 * `undefined` when the timeframe is not a fixed duration (`1M`) and there is nothing to serve.
 */
export function klineWindow(
  dataset: FakeDataset,
  ctx: RouteContext,
  symbol: string,
  timeframe: string,
  market: FakeMarket,
  query: { start: number | undefined; end: number | undefined; limit: number },
): KlineWindow {
  const intervalMs = timeframeMs(timeframe);
  const candles = intervalMs === undefined ? undefined : dataset.get(ctx.exchange, symbol, timeframe);
  if (intervalMs === undefined || candles === undefined)
    return { candles: [], intervalMs: intervalMs ?? 60_000 };
  const { omit } = ctx;
  const served =
    omit === null ? candles : candles.filter((c) => c.timestamp < omit.from || c.timestamp > omit.to);
  const window = servedWindow(served, intervalMs, ctx.now, query, market.priceDecimals);
  return {
    candles: ctx.shuffle === null ? window : shuffleRows(window, ctx.shuffle.seed, ctx.shuffle.duplicates),
    intervalMs,
  };
}

/** The reference candle (latest closed at now) a non-kline endpoint derives its numbers from. */
export function referenceFor(
  dataset: FakeDataset,
  exchange: FakeExchangeId,
  symbol: string,
  now: number,
): { candle: CsvCandle; intervalMs: number } | undefined {
  const finest = dataset.finest(exchange, symbol);
  if (finest === undefined) return undefined;
  const candle = referenceCandle(finest.candles, finest.intervalMs, now);
  return candle === undefined ? undefined : { candle, intervalMs: finest.intervalMs };
}

/** Period boundaries (ascending) a statistics endpoint reports, Binance/Bybit style. */
export function periodStamps(
  periodMs: number,
  now: number,
  start: number | undefined,
  end: number | undefined,
  limit: number,
): number[] {
  const last = Math.floor(Math.min(now, end ?? now) / periodMs) * periodMs;
  const out: number[] = [];
  if (start !== undefined) {
    for (let t = Math.ceil(start / periodMs) * periodMs; t <= last && out.length < limit; t += periodMs)
      out.push(t);
    return out;
  }
  for (let t = last; out.length < limit; t -= periodMs) out.unshift(t);
  return out;
}
