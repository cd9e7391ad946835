import { readFileSync } from 'node:fs';
import path from 'node:path';
import { type Candle, parseCandleCsv } from '@app/confluence';
// By path: the testing index would load the whole test kit (Nest, the fake OpenAI, …).
import { FakeDataset, type FakeMarket, syntheticMarkets } from '../libs/testing/src/fake-exchange/index.js';

/** The stream benchmark's markets and their candles: the bundled BTC and LTC files, copied. */

const FILES = {
  btc: 'BTC-USDT_1m_2021-02-19_binance.csv',
  ltc: 'LTC-USDT_1m_2020-11-08_binance.csv',
} as const;

export interface BenchMarkets {
  /** The synthetic markets the fake lists (`S001/USDT` …), in order. */
  readonly markets: readonly FakeMarket[];
  /** Each market's 1m candles as the fake serves them, by spot symbol. */
  readonly candles: ReadonlyMap<string, readonly Candle[]>;
  readonly dataset: FakeDataset;
}

function load(root: string, file: string, limit: number): Candle[] {
  const parsed = parseCandleCsv(readFileSync(path.join(root, 'data', file), 'utf8'));
  if (!parsed.ok) throw new Error(`${file}: line ${parsed.line}: ${parsed.message}`);
  return parsed.candles.slice(0, limit);
}

const cents = (value: number): number => Math.round(value * 100) / 100;

/**
 * `count` synthetic markets: odd ones copy BTC/USDT's 1m candles, even ones LTC/USDT's moved onto
 * BTC's dates (so every market closes on the same minutes), each scaled by its own factor
 * (0.5 to 1.5) and rounded to cents, the markets' tick, so no two series are the same. Rounding
 * keeps each candle's order (low ≤ open, close ≤ high). The first `minutes` candles of each file.
 */
export function benchMarkets(root: string, count: number, minutes: number): BenchMarkets {
  const btc = load(root, FILES.btc, minutes);
  const ltcRaw = load(root, FILES.ltc, minutes);
  const shift = (btc[0]?.timestamp ?? 0) - (ltcRaw[0]?.timestamp ?? 0);
  const ltc = ltcRaw.map((candle) => ({ ...candle, timestamp: candle.timestamp + shift }));
  const markets = syntheticMarkets(count);
  const candles = new Map<string, readonly Candle[]>();
  const dataset = new FakeDataset();
  markets.forEach((market, index) => {
    const factor = 0.5 + (index + 1) / count;
    const source = index % 2 === 0 ? btc : ltc;
    const series = source.map((c) => ({
      timestamp: c.timestamp,
      open: cents(c.open * factor),
      high: cents(c.high * factor),
      low: cents(c.low * factor),
      close: cents(c.close * factor),
      volume: c.volume,
    }));
    candles.set(market.spotSymbol, series);
    dataset.set('*', market.spotSymbol, '1m', series);
  });
  return { markets, candles, dataset };
}
