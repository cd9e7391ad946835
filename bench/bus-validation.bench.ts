/**
 * Bus receipt validation benchmark (`npm run bench:bus`): what the bus does with every message
 * it receives — the compiled check (`validateBusEvent`) against the full class-transformer +
 * class-validator path it shortcuts (`validatePayload` without the check), on the same payloads
 * in the same run. Payloads are JSON round-tripped, as they arrive from Redis.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { updatedEvent } from '@app/analysis';
import { INDICATORS_DEFAULTS, WEIGHTS_DEFAULTS } from '@app/config';
import { createConfluenceEngine, parseCandleCsv, ResultFormatter } from '@app/confluence';
import { AnalysisEventName, MarketEventName } from '@app/contracts';
import {
  ANALYSIS_EVENT_PAYLOADS,
  MARKET_EVENT_PAYLOADS,
  validateBusEvent,
  validatePayload,
} from '@app/contracts/dto';
import { median, row } from './bench-kit.js';

const T0 = 1_613_692_800_000;
const base = { exchange: 'binance', symbol: 'BTC/USDT', source: 'live', emittedAt: T0 + 60_000 };

const PAYLOADS = [
  {
    label: 'candle closed',
    name: MarketEventName.CandleClosed,
    payload: {
      ...base,
      timeframe: '1m',
      candle: { timestamp: T0, open: 100, high: 101.5, low: 99.25, close: 100.75, volume: 12.5 },
    },
  },
  {
    label: 'order book, 2 × 50 levels',
    name: MarketEventName.OrderBookSnapshot,
    payload: {
      ...base,
      timestamp: T0,
      bids: Array.from({ length: 50 }, (_, i) => ({ price: 100 - i * 0.1, size: 1 + i })),
      asks: Array.from({ length: 50 }, (_, i) => ({ price: 100.1 + i * 0.1, size: 1 + i })),
    },
  },
  {
    label: 'trades batch, 100 trades',
    name: MarketEventName.TradesBatch,
    payload: {
      ...base,
      trades: Array.from({ length: 100 }, (_, i) => ({
        timestamp: T0 + i,
        price: 100 + (i % 7) * 0.1,
        size: 0.5 + (i % 3),
        side: i % 2 === 0 ? 'buy' : 'sell',
      })),
    },
  },
] as const;

const BUS_PAYLOADS = { ...MARKET_EVENT_PAYLOADS, ...ANALYSIS_EVENT_PAYLOADS } as const;

/** A candle update as a worker publishes it: a real result of 300 bundled 1m candles, domain result included. */
function candleUpdate(): object {
  const file = path.resolve(import.meta.dirname, '../../data/BTC-USDT_1m_2021-02-19_binance.csv');
  const parsed = parseCandleCsv(readFileSync(file, 'utf8'));
  if (!parsed.ok) throw new Error(`${file}:${parsed.line}: ${parsed.message}`);
  const candles = parsed.candles.slice(0, 300);
  const asOf = (candles.at(-1)?.timestamp ?? 0) + 60_000;
  const outcome = createConfluenceEngine({
    indicators: INDICATORS_DEFAULTS,
    weights: WEIGHTS_DEFAULTS,
  }).analyzeCandles({ exchange: 'binance', symbol: 'BTC/USDT', candles: { '1m': candles } }, asOf);
  if (outcome.status !== 'ready') throw new Error(`no result: ${outcome.status}`);
  const update = { result: outcome.result, source: 'live', trigger: 'candle', inputEmittedAt: asOf } as const;
  return updatedEvent(update, new ResultFormatter(), asOf + 5);
}

const CASES: readonly { label: string; name: keyof typeof BUS_PAYLOADS; payload: object }[] = [
  ...PAYLOADS,
  {
    label: 'confluence updated, with its domain result',
    name: AnalysisEventName.ConfluenceUpdated,
    payload: candleUpdate(),
  },
];

const REPEAT = 2_000;
console.log(`bus receipt validation — ${REPEAT} payloads per run, JSON round-tripped\n`);
for (const { label, name, payload } of CASES) {
  const json = JSON.stringify(payload);
  const received = Array.from({ length: REPEAT }, (): unknown => JSON.parse(json));
  const cls: new () => object = BUS_PAYLOADS[name];
  const full = median(
    () => received.reduce<number>((n, p) => n + (validatePayload(cls, p).ok ? 1 : 0), 0),
    9,
    2,
  );
  const fast = median(
    () => received.reduce<number>((n, p) => n + (validateBusEvent(name, p).ok ? 1 : 0), 0),
    9,
    2,
  );
  const perFull = (full * 1e3) / REPEAT;
  const perFast = (fast * 1e3) / REPEAT;
  row(`${label}: class-transformer + class-validator`, `${perFull.toFixed(1)} µs`, '(baseline)', true);
  row(`${label}: compiled check`, `${perFast.toFixed(1)} µs`, '', true);
  row('  ratio to the full path', `${(perFast / perFull).toFixed(2)}×`, '(faster is < 1)', perFast < perFull);
  // What the transport adds before validation: the size on the wire and one JSON.parse.
  const parse = median(
    () => received.reduce<number>((n) => n + (JSON.parse(json) === null ? 0 : 1), 0),
    9,
    2,
  );
  row(
    `  ${Buffer.byteLength(json).toLocaleString('en-US')} bytes; JSON.parse`,
    `${((parse * 1e3) / REPEAT).toFixed(1)} µs`,
    '',
    true,
  );
}
