import { readFileSync } from 'node:fs';
import path from 'node:path';
import { type Candle, parseCandleCsv } from '@app/confluence';
import type { MarketRef, Timeframe } from '@app/contracts';

/**
 * The scale benchmark's markets: N markets cut from the same week of real BTC/USDT candles (1m and
 * the exchange's own 5m of the same hours), each from another window of that week (time-shifted),
 * its prices multiplied by its own factor (price-scaled: 1e-4 to 1e4, volume divided by it, so the
 * notional stays that of the data) and its times moved so every market's candles close at the
 * same instants. So no two markets see the same series, and all of them close together.
 */

const ONE_MINUTE = 60_000;
const FIVE_MINUTES = 5 * ONE_MINUTE;
const FILES = {
  '1m': 'BTC-USDT_1m_2021-02-19_binance.csv',
  '5m': 'BTC-USDT_5m_2021-02-19_binance.csv',
} as const;
/** Steps (of 5 minutes) between two neighbouring markets' windows: coprime with any window count here. */
const WINDOW_STRIDE = 37;

export const SCALE_EXCHANGE = 'binance';
export const SCALE_TIMEFRAMES: readonly Timeframe[] = ['1m', '5m'];

export interface SourceCandles {
  readonly '1m': readonly Candle[];
  readonly '5m': readonly Candle[];
  /** Distinct 5-minute-aligned windows the week holds for `warmup` + the bursts. */
  readonly windows: number;
}

/** One market of the benchmark: where its window starts in the data, its price factor. */
export interface ScaleMarket extends MarketRef {
  readonly index: number;
  /** Index of its first 5m candle in the data (its first 1m is at five times that). */
  readonly window: number;
  readonly scale: number;
}

/** A candle close in a burst: which market, which timeframe, the candle. */
export interface BurstClose {
  readonly market: ScaleMarket;
  readonly timeframe: Timeframe;
  readonly candle: Candle;
}

export function readSource(root: string, warmup: number, bursts: number): SourceCandles {
  const read = (file: string): readonly Candle[] => {
    const parsed = parseCandleCsv(readFileSync(path.join(root, 'data', file), 'utf8'));
    if (!parsed.ok) throw new Error(`${file}:${parsed.line}: ${parsed.message}`);
    return parsed.candles;
  };
  const oneMinute = read(FILES['1m']);
  const fiveMinute = read(FILES['5m']);
  if (oneMinute[0]?.timestamp !== fiveMinute[0]?.timestamp)
    throw new Error('the 1m and 5m files must start at the same minute');
  // A window: `warmup` 5m candles (whose last `warmup` minutes are the 1m warm-up), then the bursts.
  const minutes = 5 * warmup + bursts + 5;
  const windows = Math.floor((Math.min(oneMinute.length, 5 * fiveMinute.length) - minutes) / 5) + 1;
  if (windows < 1) throw new Error(`the data holds no window of ${minutes} minutes`);
  return { '1m': oneMinute, '5m': fiveMinute, windows };
}

/** `count` markets, S0001/USDT …, each with its own window and price factor. */
export function scaleMarkets(count: number, source: SourceCandles): ScaleMarket[] {
  const golden = (Math.sqrt(5) - 1) / 2;
  return Array.from({ length: count }, (_, index) => {
    const spread = (index * golden) % 1;
    return {
      exchange: SCALE_EXCHANGE,
      symbol: `S${String(index + 1).padStart(4, '0')}/USDT`,
      index,
      window: (index * WINDOW_STRIDE) % source.windows,
      scale: 10 ** (-4 + 8 * spread),
    };
  });
}

/**
 * Moves a data candle to the benchmark's clock and the market's prices: the market's window
 * starts `warmup` 5m candles before `origin`, so its warm-up ends at `origin` and its burst
 * minute k is the candle opening at origin + k minutes.
 */
function shifted(
  candle: Candle,
  market: ScaleMarket,
  source: SourceCandles,
  origin: number,
  warmup: number,
): Candle {
  const windowStart = (source['5m'][market.window] as Candle).timestamp;
  const { scale } = market;
  return {
    timestamp: origin - warmup * FIVE_MINUTES + (candle.timestamp - windowStart),
    open: candle.open * scale,
    high: candle.high * scale,
    low: candle.low * scale,
    close: candle.close * scale,
    volume: candle.volume / scale,
  };
}

/** The market's warm-up: `warmup` candles of each timeframe, the last of each closing at `origin`. */
export function warmupCandles(
  market: ScaleMarket,
  source: SourceCandles,
  origin: number,
  warmup: number,
): Map<Timeframe, readonly Candle[]> {
  const first5m = market.window;
  const five = source['5m'].slice(first5m, first5m + warmup);
  const lastMinute = 5 * (first5m + warmup);
  const one = source['1m'].slice(lastMinute - warmup, lastMinute);
  const move = (c: Candle): Candle => shifted(c, market, source, origin, warmup);
  return new Map<Timeframe, readonly Candle[]>([
    ['1m', one.map(move)],
    ['5m', five.map(move)],
  ]);
}

/**
 * Burst `k` (0-based): the 1m candle opening at origin + k minutes of every market, and at every
 * fifth minute the 5m candle closing with it (published after the 1m, as the feeds do).
 */
export function burstCloses(
  markets: readonly ScaleMarket[],
  source: SourceCandles,
  origin: number,
  warmup: number,
  k: number,
): BurstClose[] {
  const closes: BurstClose[] = [];
  const fiveCloses = (k + 1) % 5 === 0;
  for (const market of markets) {
    const minute = 5 * (market.window + warmup) + k;
    const one = source['1m'][minute];
    if (one === undefined) throw new Error(`no 1m candle at ${minute}`);
    closes.push({ market, timeframe: '1m', candle: shifted(one, market, source, origin, warmup) });
  }
  if (fiveCloses) {
    for (const market of markets) {
      const index = market.window + warmup + (k + 1) / 5 - 1;
      const five = source['5m'][index];
      if (five === undefined) throw new Error(`no 5m candle at ${index}`);
      closes.push({ market, timeframe: '5m', candle: shifted(five, market, source, origin, warmup) });
    }
  }
  return closes;
}

/** Where the warm-up ends: a 5-minute boundary far enough back that every burst's candles are closed. */
export function originFor(now: number, bursts: number): number {
  return Math.floor(now / FIVE_MINUTES) * FIVE_MINUTES - Math.ceil((bursts + 5) / 5) * FIVE_MINUTES;
}
