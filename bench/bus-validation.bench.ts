/**
 * Bus receipt validation benchmark (`npm run bench:bus`): what the bus does with every message
 * it receives — the compiled check (`validateBusEvent`) against the full class-transformer +
 * class-validator path it shortcuts (`validatePayload` without the check), on the same payloads
 * in the same run. Payloads are JSON round-tripped, as they arrive from Redis.
 */
import { MarketEventName } from '@app/contracts';
import { MARKET_EVENT_PAYLOADS, validateBusEvent, validatePayload } from '@app/contracts/dto';
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

const REPEAT = 2_000;
console.log(`bus receipt validation — ${REPEAT} payloads per run, JSON round-tripped\n`);
for (const { label, name, payload } of PAYLOADS) {
  const json = JSON.stringify(payload);
  const received = Array.from({ length: REPEAT }, (): unknown => JSON.parse(json));
  const cls: new () => object = MARKET_EVENT_PAYLOADS[name];
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
}
