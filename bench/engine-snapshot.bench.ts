/**
 * Engine snapshot benchmark (`npm run bench:snapshot`): one market with 1m and 5m streams at the
 * default config after 1,000 1m candles (and the 200 5m candles of the same hours), fed a book and
 * trades every minute and derivatives every five. Prints the snapshot's size as JSON, and the
 * time of a takeover by snapshot (snapshot → JSON → parse → restore into a new engine) against a
 * baseline measured in the same run: what a takeover did before, a new engine re-fed the last 200
 * candles of each timeframe (which could not reproduce the unbroken run's results).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { INDICATORS_DEFAULTS, WEIGHTS_DEFAULTS } from '@app/config';
import { type Candle, type ConfluenceEngine, createConfluenceEngine, parseCandleCsv } from '@app/confluence';
import { median, row } from './bench-kit.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const MARKET = { exchange: 'binance', symbol: 'BTC/USDT' };
const MINUTES = 1_000;
const REFEED = 200;

function candles(file: string, count: number): readonly Candle[] {
  const parsed = parseCandleCsv(readFileSync(path.join(ROOT, 'data', file), 'utf8'));
  if (!parsed.ok) throw new Error(`${file}:${parsed.line}: ${parsed.message}`);
  return parsed.candles.slice(0, count);
}

const oneMinute = candles('BTC-USDT_1m_2021-02-19_binance.csv', MINUTES);
const fiveMinute = candles('BTC-USDT_5m_2021-02-19_binance.csv', MINUTES / 5);
const newEngine = (): ConfluenceEngine =>
  createConfluenceEngine({ indicators: INDICATORS_DEFAULTS, weights: WEIGHTS_DEFAULTS });

/** The market after MINUTES minutes; with `flow`, a book and 6 trades a minute, derivatives every 5. */
function fedEngine(flow: boolean): ConfluenceEngine {
  const engine = newEngine();
  const o = engine;
  oneMinute.forEach((candle, i) => {
    const t = candle.timestamp;
    if (flow) {
      const levels = (direction: 1 | -1) =>
        Array.from({ length: 20 }, (_, l) => ({
          price: candle.close + direction * (l + 1),
          size: 1 + ((i + l) % 7),
        }));
      o.updateOrderBook(MARKET, { timestamp: t + 1_000, bids: levels(-1), asks: levels(1) });
      const trades = Array.from({ length: 6 }, (_, k) => ({
        timestamp: t + 30_000 + k * 1_000,
        price: candle.low + ((candle.high - candle.low) * k) / 5,
        size: 0.001 + ((i * 7 + k * 13) % 100) / 37,
        side: (i + k) % 3 === 0 ? ('sell' as const) : ('buy' as const),
      }));
      o.addTrades(MARKET, trades);
      if (i % 5 === 0)
        o.updateDerivatives(MARKET, {
          timestamp: t + 50_000,
          fundingRate: 1e-4,
          openInterest: 1e4 + i,
          longShortRatio: 1.1,
        });
    }
    engine.addCandle({ ...MARKET, timeframe: '1m' }, candle);
    engine.analyze({ ...MARKET, timeframe: '1m' }, t + 60_000);
    const five = fiveMinute[Math.floor((i + 1) / 5) - 1];
    if ((i + 1) % 5 === 0 && five !== undefined) {
      engine.addCandle({ ...MARKET, timeframe: '5m' }, five);
      engine.analyze({ ...MARKET, timeframe: '5m' }, t + 60_000);
    }
  });
  return engine;
}

const bare = fedEngine(false);
const busy = fedEngine(true);
const json = (engine: ConfluenceEngine) => JSON.stringify(engine.snapshot(MARKET));
const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;
const busySnapshot = busy.snapshot(MARKET);
const part = (value: unknown) => JSON.stringify(value).length;

function takeover(source: ConfluenceEngine): number {
  const text = JSON.stringify(source.snapshot(MARKET));
  const target = newEngine();
  const outcome = target.restore(JSON.parse(text));
  if (!outcome.restored) throw new Error(`restore refused: ${outcome.reason}`);
  return text.length;
}

/** The old takeover: a new engine re-fed the last REFEED candles of each timeframe. */
function refeed(): number {
  const target = newEngine();
  for (const candle of oneMinute.slice(-REFEED)) target.addCandle({ ...MARKET, timeframe: '1m' }, candle);
  for (const candle of fiveMinute.slice(-REFEED)) target.addCandle({ ...MARKET, timeframe: '5m' }, candle);
  return target.readiness({ ...MARKET, timeframe: '1m' }).candles;
}

const baseline = median(refeed);
const bareTakeover = median(() => takeover(bare));
const busyTakeover = median(() => takeover(busy));
const snapshotOnly = median(() => json(busy).length);
const text = json(busy);
const restoreOnly = median(() => (newEngine().restore(JSON.parse(text)).restored ? 1 : 0));

console.log(`engine snapshot benchmark — one market, 1m + 5m, ${MINUTES} 1m candles, default config\n`);
console.log(
  `re-feed ${REFEED} candles per timeframe into a new engine ${baseline.toFixed(2).padStart(9)} ms (baseline)\n`,
);
row('snapshot size, candles only', kib(json(bare).length), '', true);
row('snapshot size, with book, trades and derivatives', kib(text.length), '', true);
row('  of which streams (indicators, 200-candle windows)', kib(part(busySnapshot.market.streams)), '', true);
row(
  `  of which trades (${busySnapshot.market.trades.items.length} held)`,
  kib(part(busySnapshot.market.trades)),
  '',
  true,
);
row('  of which latest scores', kib(part(busySnapshot.latest)), '', true);
row('takeover by snapshot, candles only (median)', `${bareTakeover.toFixed(2)} ms`, '', true);
row('  ratio to re-feeding', `${(bareTakeover / baseline).toFixed(2)}×`, '(faster is < 1)', true);
row('takeover by snapshot, with book, trades and derivatives', `${busyTakeover.toFixed(2)} ms`, '', true);
row('  ratio to re-feeding', `${(busyTakeover / baseline).toFixed(2)}×`, '(faster is < 1)', true);
row('  snapshot + JSON.stringify alone', `${snapshotOnly.toFixed(2)} ms`, '', true);
row('  JSON.parse + restore alone', `${restoreOnly.toFixed(2)} ms`, '', true);
