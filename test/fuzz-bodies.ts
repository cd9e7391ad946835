import { MAX_TIME_MS } from '@app/contracts';
import { loadMarketCandles, MARKET_FILES } from '@app/testing';
import { type Draw, type Json, type JsonObject, randomJson, randomScalar, raw, UNICODE } from './fuzz-kit.js';

/**
 * Valid POST bodies of real candles, and changes that each make one invalid whatever else changed
 * (test/gateway-fuzz.e2e-spec.ts).
 */

/** Numbers that are no valid candle field (strings for numbers, non-finite, negative). */
const BAD_NUMBERS: readonly Json[] = [
  '123',
  '1.5',
  'NaN',
  'Infinity',
  '',
  null,
  true,
  false,
  [],
  {},
  [1],
  { value: 1 },
  raw('1e309'),
  raw('-1e309'),
  -1,
  -0.0001,
  -1e308,
  '😀',
];
const CANDLE_FIELDS = ['timestamp', 'open', 'high', 'low', 'close', 'volume'] as const;
/** Times past the one range (0 to the end of 9999, libs/contracts time-range.ts); 500s before it. */
export const PAST_TIMES: readonly Json[] = [
  MAX_TIME_MS + 1,
  8_640_000_000_000_001,
  9e15,
  raw('99999999999999999'),
  raw('1e300'),
];
/** Numbers just past a positive field's bound (zero, the smallest negative) or a finite one's. */
const NOT_POSITIVE: readonly Json[] = [0, raw('-5e-324'), raw('-1.7976931348623157e308')];
/** Out-of-range numbers of each candle field, on top of BAD_NUMBERS (which no field takes). */
const OUT_OF_RANGE: Readonly<Record<(typeof CANDLE_FIELDS)[number], readonly Json[]>> = {
  timestamp: PAST_TIMES,
  open: NOT_POSITIVE,
  high: NOT_POSITIVE,
  low: NOT_POSITIVE,
  close: NOT_POSITIVE,
  volume: [raw('-5e-324'), raw('-1.7976931348623157e308')],
};
const btc = loadMarketCandles(MARKET_FILES.btc1m, 60);
const candlesJson = (count: number): JsonObject[] =>
  btc.slice(0, count).map(({ timestamp, open, high, low, close, volume }) => ({
    timestamp,
    open,
    high,
    low,
    close,
    volume,
  }));
export const validAnalyze = (): JsonObject => ({ symbol: 'BTC/USDT', candles: { '1m': candlesJson(60) } });
export const validIndicators = (): JsonObject => ({ candles: candlesJson(30), timeframe: '1m' });

function asObject(value: Json | undefined): JsonObject | null {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? value : null;
}

/** One change that makes a candle series invalid, whatever else changed (never undone later). */
function breakCandles(d: Draw, series: Json[]): string {
  const i = d.int(1, series.length - 1);
  const candle = asObject(series[i]);
  const previous = asObject(series[i - 1]);
  if (candle === null || previous === null) {
    series[i] = d.pick(BAD_NUMBERS);
    return `candle[${i}] replaced`;
  }
  const field = d.pick(CANDLE_FIELDS);
  const num = (value: Json | undefined): number => (typeof value === 'number' ? value : Number.NaN);
  switch (d.int(0, 8)) {
    case 0:
      candle[field] = d.pick([...BAD_NUMBERS, ...OUT_OF_RANGE[field]]);
      return `candle[${i}].${field} bad value`;
    case 1:
      Reflect.deleteProperty(candle, field);
      return `candle[${i}].${field} missing`;
    case 2:
      candle[d.pick(['extra', 'Volume', 'ts', ...UNICODE])] = randomScalar(d);
      return `candle[${i}] extra field`;
    case 3:
      series[i] = d.pick<Json>([null, 1, 'candle', [], [1, 2, 3, 4, 5, 6], true]);
      return `candle[${i}] not an object`;
    case 4:
      candle.timestamp = num(candle.timestamp) + d.int(1, 59_999);
      return `candle[${i}] misaligned`;
    case 5:
      candle.timestamp = previous.timestamp ?? null;
      return `candle[${i}] repeats the previous time`;
    case 6:
      candle.timestamp = num(previous.timestamp) - 60_000;
      return `candle[${i}] goes back in time`;
    case 7:
      candle.high = Math.min(num(candle.open), num(candle.close)) / 2;
      return `candle[${i}] high below the body`;
    default:
      candle.low = Math.max(num(candle.open), num(candle.close)) * 2;
      return `candle[${i}] low above the body`;
  }
}

const BAD_SYMBOLS: readonly Json[] = [
  '',
  'BTC',
  'btc/usdt',
  'BTC//USDT',
  'BTC/USDT/ETH',
  'BTC USDT',
  '₿/USDT',
  `${'A'.repeat(25)}/USDT`,
  42,
  null,
  [],
  {},
  true,
  ['BTC/USDT'],
];
const BAD_EXCHANGES: readonly Json[] = [
  '',
  'Binance',
  '1inch',
  'a',
  'x'.repeat(40),
  'bin ance',
  7,
  [],
  {},
  true,
];
const BAD_TIMEFRAME_KEYS = [
  '7m',
  '1H',
  '60s',
  '',
  '1 m',
  '1m ',
  'constructor',
  'toString',
  'hasOwnProperty',
  'é',
];
const BAD_STORE: readonly Json[] = ['true', 1, 0, 'yes', [], {}];
const BAD_ORDER_BOOKS: readonly Json[] = [
  'book',
  5,
  true,
  { bids: 'x', asks: [] },
  { timestamp: -1, bids: [], asks: [] },
  { timestamp: 1.5, bids: [], asks: [] },
  { timestamp: 1, bids: [{ price: -1, size: 1 }], asks: [] },
  { timestamp: 1, bids: [{ price: '1', size: 1 }], asks: [] },
  { timestamp: 1, bids: [[1, 1]], asks: [] },
  { timestamp: 1, bids: [], asks: [], extra: 1 },
  { timestamp: 1, bids: [] },
  ...PAST_TIMES.map((timestamp) => ({ timestamp, bids: [], asks: [] })),
  { timestamp: 1, bids: [{ price: 0, size: 1 }], asks: [] },
  { timestamp: 1, bids: [], asks: [{ price: 1, size: raw('1e309') }] },
  { timestamp: 1, bids: [], asks: [{ price: raw('-5e-324'), size: 1 }] },
];
const BAD_TRADES: readonly Json[] = [
  'trades',
  {},
  { 0: { timestamp: 1, price: 1, size: 1, side: 'buy' } },
  [{ timestamp: 1, price: 1, size: 1, side: 'long' }],
  [{ timestamp: 1, price: 1, size: 1, side: 'buy', extra: 1 }],
  [{ timestamp: -1, price: 1, size: 1, side: 'sell' }],
  [1, 2],
  [[1, 1, 1, 'buy']],
  ...PAST_TIMES.map((timestamp) => [{ timestamp, price: 1, size: 1, side: 'buy' }]),
  [{ timestamp: 1, price: 0, size: 1, side: 'sell' }],
  [{ timestamp: 1, price: 1, size: raw('1e309'), side: 'sell' }],
];
const BAD_DERIVATIVES: readonly Json[] = [
  {},
  'x',
  [{ timestamp: -1 }],
  [{ timestamp: 1, fundingRate: 'x' }],
  [{ timestamp: 1, openInterest: -5 }],
  [{ timestamp: 1, liquidations: { long: -1, short: 0 } }],
  [{ timestamp: 1, liquidations: [1, 2] }],
  [{ timestamp: 1, longShortRatio: 0 }],
  ...PAST_TIMES.map((timestamp) => [{ timestamp }]),
  [{ timestamp: 1, fundingRate: raw('1e309') }],
  [{ timestamp: 1, fundingRate: raw('-1e309') }],
  [{ timestamp: 1, openInterest: raw('-5e-324') }],
  [{ timestamp: 1, longShortRatio: raw('-1e309') }],
  [{ timestamp: 1, liquidations: { long: 0, short: raw('1e309') } }],
];

/** Analyze: 1–3 changes, each making the body invalid on its own. */
export function breakAnalyze(d: Draw, body: JsonObject): string {
  const candles = asObject(body.candles);
  const series = candles?.['1m'];
  const roll = d.int(0, 11);
  if (roll <= 3 && Array.isArray(series)) return breakCandles(d, series);
  switch (roll) {
    case 4:
      Reflect.deleteProperty(body, d.pick(['symbol', 'candles']));
      return 'required field missing';
    case 5:
      body.symbol = d.pick(BAD_SYMBOLS);
      return 'bad symbol';
    case 6:
      body.exchange = d.pick(BAD_EXCHANGES);
      return 'bad exchange';
    case 7:
      if (candles !== null && series !== undefined) {
        delete candles['1m'];
        candles[d.pick(BAD_TIMEFRAME_KEYS)] = series;
        return 'unknown timeframe key';
      }
      body.candles = null;
      return 'candles null';
    case 8:
      body.candles = d.pick<Json>([
        null,
        [],
        {},
        'candles',
        5,
        true,
        [candlesJson(60)],
        { '1m': {} },
        { '1m': [] },
      ]);
      return 'candles not a series map';
    case 9:
      body.store = d.pick(BAD_STORE);
      return 'store not a boolean';
    case 10:
      body[d.pick(['orderBook', 'trades', 'derivatives'] as const)] = d.pick([
        ...BAD_ORDER_BOOKS,
        ...BAD_TRADES,
        ...BAD_DERIVATIVES,
      ]);
      return 'bad order book, trades or derivatives';
    default:
      body[d.pick(['foo', 'Symbol', 'candles ', 'limit', ...UNICODE])] = randomJson(d, 2);
      return 'unknown property';
  }
}

export function breakIndicators(d: Draw, body: JsonObject): string {
  const series = body.candles;
  const roll = d.int(0, 7);
  if (roll <= 3 && Array.isArray(series)) return breakCandles(d, series);
  switch (roll) {
    case 4:
      delete body.candles;
      return 'candles missing';
    case 5:
      body.candles = d.pick<Json>([null, {}, 'candles', 5, true, [], { '1m': candlesJson(5) }]);
      return 'candles not an array';
    case 6:
      body.timeframe = d.pick<Json>(['7m', '', 1, [], {}, true, '1M ', '1h', 'm1']);
      // 1h is a timeframe, but the 1m open times are not aligned to it.
      return 'bad timeframe';
    default:
      body[d.pick(['foo', 'length', 'candles ', ...UNICODE])] = randomJson(d, 2);
      return 'unknown property';
  }
}
