import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import type { Response } from 'supertest';
import { loadMarketCandles, MARKET_FILES, prng } from '@app/testing';
import { type LocalGateway, rateLimitPatches, startLocalGateway, testApiKey } from './gateway-kit.js';

/**
 * Malformed input against the real local-mode app: bodies to POST analyze and POST indicators,
 * query strings and paths to the GET endpoints, drawn from a seeded PRNG (the same cases every
 * run; a failure names its case number). A client's mistake is never a 5xx: every answer is
 * 400/401/404/413/415 in the one error shape with the request id, validation 400s list fields.
 */

const SEED = 0x6a7e_2026;
const BODY_LIMIT = 65_536;
const POST_CASES = 500;
const GET_CASES = 200;
const PATH_CASES = 100;
const alpha = testApiKey('fuzz-alpha');

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = Record<string, Json>;

interface Case {
  readonly name: string;
  readonly method: 'GET' | 'POST';
  readonly path: string;
  readonly body?: string | Buffer;
  readonly contentType?: string;
  readonly encoding?: string;
  /** Sent as X-API-Key unless null. */
  readonly key: string | null;
  readonly allowed: readonly number[];
  /** A 400 must list the offending fields (the input parsed; validation refused it). */
  readonly fields: boolean;
}

interface ErrorBody {
  readonly statusCode?: unknown;
  readonly error?: unknown;
  readonly message?: unknown;
  readonly requestId?: unknown;
  readonly errors?: unknown;
}

const rand = prng(SEED);
const int = (lo: number, hi: number): number => lo + Math.floor(rand() * (hi - lo + 1));
function pick<T>(items: readonly T[]): T {
  const item = items[Math.floor(rand() * items.length)];
  if (item === undefined) throw new Error('pick from an empty list');
  return item;
}

/** JSON.stringify cannot write these; a placeholder string is swapped for the raw token. */
const raw = (token: string): string => `\u0001RAW:${token}\u0001`;
function toText(value: Json): string {
  return JSON.stringify(value).replace(/"\\u0001RAW:([^\\]+)\\u0001"/g, '$1');
}

const UNICODE = ['é', '𝔘𝔫𝔦𝔠𝔬𝔡𝔢', '😀', '\u202eRTL', '\u0000', '\ud800', 'ﬁ', '\u200b', '日本語', 'Ω'];
const STRINGS = [
  '',
  ' ',
  'NaN',
  'Infinity',
  '-1',
  '1e999',
  '0x10',
  '42',
  'BTC/USDT',
  '1m',
  'true',
  'null',
  '<script>alert(1)</script>',
  "'; DROP TABLE results; --",
  '{"$gt": ""}',
  'x'.repeat(300),
  ...UNICODE,
];
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
/** Keys random objects draw from: no `volume`, so no random candle can be valid. */
const KEYS = [
  'symbol',
  'exchange',
  'candles',
  'store',
  'orderBook',
  'trades',
  'derivatives',
  'timeframe',
  '1m',
  '5m',
  'timestamp',
  'open',
  'high',
  'low',
  'close',
  'bids',
  'asks',
  '',
  'x',
  '$where',
  ...UNICODE,
];

function randomScalar(): Json {
  switch (int(0, 7)) {
    case 0:
      return null;
    case 1:
      return rand() < 0.5;
    case 2:
      return int(-1000, 1000);
    case 3:
      return pick([raw('1e309'), raw('-1e309'), raw('123456789012345678901234567890'), 1e308, 5e-324, -0]);
    case 4:
      return rand() * 1e6;
    default:
      return pick(STRINGS);
  }
}

function randomJson(depth: number): Json {
  const roll = rand();
  if (depth >= 4 || roll < 0.4) return randomScalar();
  if (roll < 0.65) return Array.from({ length: int(0, 4) }, () => randomJson(depth + 1));
  const object: JsonObject = {};
  for (let i = int(0, 4); i > 0; i--) object[pick(KEYS)] = randomJson(depth + 1);
  return object;
}

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
const validAnalyze = (): JsonObject => ({ symbol: 'BTC/USDT', candles: { '1m': candlesJson(60) } });
const validIndicators = (): JsonObject => ({ candles: candlesJson(30), timeframe: '1m' });

function asObject(value: Json | undefined): JsonObject | null {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? value : null;
}

/** One change that makes a candle series invalid, whatever else changed (never undone later). */
function breakCandles(series: Json[]): string {
  const i = int(1, series.length - 1);
  const candle = asObject(series[i]);
  const previous = asObject(series[i - 1]);
  if (candle === null || previous === null) {
    series[i] = pick(BAD_NUMBERS);
    return `candle[${i}] replaced`;
  }
  const field = pick(CANDLE_FIELDS);
  const num = (value: Json | undefined): number => (typeof value === 'number' ? value : Number.NaN);
  switch (int(0, 8)) {
    case 0:
      candle[field] = pick(BAD_NUMBERS);
      return `candle[${i}].${field} bad value`;
    case 1:
      Reflect.deleteProperty(candle, field);
      return `candle[${i}].${field} missing`;
    case 2:
      candle[pick(['extra', 'Volume', 'ts', ...UNICODE])] = randomScalar();
      return `candle[${i}] extra field`;
    case 3:
      series[i] = pick<Json>([null, 1, 'candle', [], [1, 2, 3, 4, 5, 6], true]);
      return `candle[${i}] not an object`;
    case 4:
      candle.timestamp = num(candle.timestamp) + int(1, 59_999);
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
];

/** Analyze: 1–3 changes, each making the body invalid on its own. */
function breakAnalyze(body: JsonObject): string {
  const candles = asObject(body.candles);
  const series = candles?.['1m'];
  const roll = int(0, 11);
  if (roll <= 3 && Array.isArray(series)) return breakCandles(series);
  switch (roll) {
    case 4:
      Reflect.deleteProperty(body, pick(['symbol', 'candles']));
      return 'required field missing';
    case 5:
      body.symbol = pick(BAD_SYMBOLS);
      return 'bad symbol';
    case 6:
      body.exchange = pick(BAD_EXCHANGES);
      return 'bad exchange';
    case 7:
      if (candles !== null && series !== undefined) {
        delete candles['1m'];
        candles[pick(BAD_TIMEFRAME_KEYS)] = series;
        return 'unknown timeframe key';
      }
      body.candles = null;
      return 'candles null';
    case 8:
      body.candles = pick<Json>([
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
      body.store = pick(BAD_STORE);
      return 'store not a boolean';
    case 10:
      body[pick(['orderBook', 'trades', 'derivatives'] as const)] = pick([
        ...BAD_ORDER_BOOKS,
        ...BAD_TRADES,
        ...BAD_DERIVATIVES,
      ]);
      return 'bad order book, trades or derivatives';
    default:
      body[pick(['foo', 'Symbol', 'candles ', 'limit', ...UNICODE])] = randomJson(2);
      return 'unknown property';
  }
}

function breakIndicators(body: JsonObject): string {
  const series = body.candles;
  const roll = int(0, 7);
  if (roll <= 3 && Array.isArray(series)) return breakCandles(series);
  switch (roll) {
    case 4:
      delete body.candles;
      return 'candles missing';
    case 5:
      body.candles = pick<Json>([null, {}, 'candles', 5, true, [], { '1m': candlesJson(5) }]);
      return 'candles not an array';
    case 6:
      body.timeframe = pick<Json>(['7m', '', 1, [], {}, true, '1M ', '1h', 'm1']);
      // 1h is a timeframe, but the 1m open times are not aligned to it.
      return 'bad timeframe';
    default:
      body[pick(['foo', 'length', 'candles ', ...UNICODE])] = randomJson(2);
      return 'unknown property';
  }
}

/** Depth-D nesting of one of a few shapes, as JSON text. */
function deepText(depth: number): { text: string; shape: string } {
  switch (int(0, 3)) {
    case 0:
      return { text: `${'['.repeat(depth)}${']'.repeat(depth)}`, shape: 'top-level arrays' };
    case 1:
      return { text: `{"candles":${'['.repeat(depth)}1${']'.repeat(depth)}}`, shape: 'candles arrays' };
    case 2:
      return {
        text: `{"symbol":"BTC/USDT","candles":{"1m":${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}}}`,
        shape: 'candles objects',
      };
    default:
      return {
        text: `{"symbol":"BTC/USDT","candles":{"1m":[]},"orderBook":{"timestamp":1,"asks":[],"bids":${'['.repeat(depth)}${']'.repeat(depth)}}}`,
        shape: 'order book arrays',
      };
  }
}

const INVALID_JSON = [
  "{'symbol': 'BTC/USDT'}",
  '{symbol: 1}',
  '{"a":1,}',
  '[1,2,]',
  '{"a":NaN}',
  '{"a":Infinity}',
  '{"a":-}',
  '{"a":01}',
  '{"a":.5}',
  '{"a":"\u0001"}',
  '{"a":"\\x41"}',
  '{"a":"\\u12"}',
  '/* comment */ {}',
  '{} {}',
  '{"a":1}}',
  'undefined',
  'true',
  '"string"',
  '123',
  'null',
  '{"a":1',
  '{"a" 1}',
  '\u00ff\u00fe{}',
];

const POST_CONTENT_TYPES_415 = [
  'text/plain',
  'text/html',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/xml',
  'application/vnd.api+json',
  'application/json-patch+json',
  'application/jsonx',
  'application/octet-stream',
  'json',
  'application',
  'application/json; charset=utf-16',
  'application/json; charset=iso-8859-1',
];
const JSON_CONTENT_TYPES = [
  'application/json',
  'application/json; charset=utf-8',
  'Application/JSON',
  'application/json;charset=UTF-8',
];

function postCase(index: number, path: string): Case {
  const analyze = path === '/v1/confluence/analyze';
  const valid = (): JsonObject => (analyze ? validAnalyze() : validIndicators());
  const broken = (): { body: JsonObject; what: string } => {
    const body = valid();
    const changes: string[] = [];
    if (rand() < 0.1) {
      return { body: { data: body }, what: 'wrapped in another object' };
    }
    for (let n = int(1, 3); n > 0; n--) changes.push(analyze ? breakAnalyze(body) : breakIndicators(body));
    return { body, what: changes.join(' + ') };
  };
  const base = { method: 'POST' as const, path, key: alpha.key, contentType: 'application/json' };
  const roll = rand();
  if (roll < 0.4) {
    const { body, what } = broken();
    return {
      ...base,
      name: `#${index} ${path} ${what}`,
      body: toText(body),
      contentType: pick(JSON_CONTENT_TYPES),
      allowed: [400],
      fields: true,
    };
  }
  if (roll < 0.55) {
    const value = randomJson(0);
    const structured = typeof value === 'object' && value !== null;
    return {
      ...base,
      name: `#${index} ${path} random JSON ${toText(value).slice(0, 60)}`,
      body: toText(value),
      allowed: [400],
      // A top-level scalar parses as JSON; validation refuses it (not an object).
      fields: structured,
    };
  }
  if (roll < 0.67) {
    const source = toText(broken().body);
    const text = pick([
      () => pick(INVALID_JSON),
      () => source.slice(0, int(1, source.length - 1)),
      () => Array.from({ length: int(1, 40) }, () => String.fromCharCode(int(33, 126))).join(''),
      () => `\u{feff}${source}`,
    ])();
    return {
      ...base,
      name: `#${index} ${path} invalid JSON text ${text.slice(0, 40)}`,
      body: text,
      allowed: [400],
      fields: false,
    };
  }
  if (roll < 0.7) {
    const bytes = Buffer.from(Array.from({ length: int(1, 64) }, () => int(0x80, 0xff)));
    return { ...base, name: `#${index} ${path} invalid UTF-8`, body: bytes, allowed: [400], fields: false };
  }
  if (roll < 0.76) {
    const { text, shape } = deepText(pick([50, 300, 1000, 2000, 3000, 5000, 8000, 16_000]));
    return {
      ...base,
      name: `#${index} ${path} nested ${shape} (${text.length} bytes)`,
      body: text,
      allowed: [Buffer.byteLength(text) > BODY_LIMIT ? 413 : 400],
      fields: false,
    };
  }
  if (roll < 0.83) {
    const contentType = pick(POST_CONTENT_TYPES_415);
    return {
      ...base,
      name: `#${index} ${path} Content-Type ${contentType}`,
      body: toText(valid()),
      contentType,
      // A declared charset other than UTF-8 (utf-16 included) is refused, not guessed at.
      allowed: [415],
      fields: false,
    };
  }
  if (roll < 0.87) {
    const encoding = pick(['gzip', 'deflate', 'br', 'x-unknown', 'compress', 'gzip-valid']);
    if (encoding === 'gzip-valid') {
      const { body, what } = broken();
      return {
        ...base,
        name: `#${index} ${path} gzip of ${what}`,
        body: gzipSync(toText(body)),
        encoding: 'gzip',
        allowed: [400],
        fields: true,
      };
    }
    return {
      ...base,
      name: `#${index} ${path} Content-Encoding ${encoding} of garbage`,
      body: Buffer.from('definitely not compressed'),
      encoding,
      allowed: [400, 415],
      fields: false,
    };
  }
  if (roll < 0.95) {
    const key = pick<string | null>([
      null,
      'wrong',
      '',
      'x'.repeat(300),
      alpha.key.toUpperCase(),
      alpha.key.slice(1),
      `${alpha.key}x`,
    ]);
    const body = rand() < 0.5 ? valid() : broken().body;
    return {
      ...base,
      name: `#${index} ${path} X-API-Key ${key === null ? 'absent' : JSON.stringify(key.slice(0, 12))}`,
      body: toText(body),
      key,
      allowed: [401],
      fields: false,
    };
  }
  const padded = { ...valid(), pad: 'x'.repeat(BODY_LIMIT + int(1, 5000)) };
  if (rand() < 0.3)
    return {
      ...base,
      name: `#${index} ${path} gzip inflating past the limit`,
      body: gzipSync(toText(padded)),
      encoding: 'gzip',
      allowed: [413],
      fields: false,
    };
  return {
    ...base,
    name: `#${index} ${path} body over the limit`,
    body: toText(padded),
    allowed: [413],
    fields: false,
  };
}

/** A query with at least one parameter no endpoint accepts as given. */
const GET_ENDPOINTS = [
  {
    path: '/v1/confluence/binance/BTC-USDT',
    good: [['timeframe', '1m']],
    bad: [
      ['timeframe', '7m'],
      ['timeframe', ''],
      ['timeframe', '1H'],
    ],
  },
  {
    path: '/v1/confluence/binance/BTC-USDT/history',
    good: [
      ['timeframe', '1m'],
      ['limit', '5'],
      ['from', '0'],
      ['to', '1613692800000'],
    ],
    bad: [
      ['limit', '0'],
      ['limit', '-1'],
      ['limit', '1001'],
      ['limit', 'abc'],
      ['limit', '1.5'],
      ['limit', ''],
      ['from', '-1'],
      ['from', 'yesterday'],
      ['to', '1.25'],
      ['cursor', 'x'.repeat(201)],
      ['cursor', Buffer.from('t:abc').toString('base64url')],
      ['cursor', 'not a cursor'],
      ['timeframe', '2m'],
    ],
  },
  {
    path: '/v1/confluence',
    good: [['markets', 'binance:BTC-USDT']],
    bad: [
      ['markets', ''],
      ['markets', ','],
      ['markets', 'binance'],
      ['markets', 'a:b:c:d'],
      ['markets', 'binance:BTC-USDT:7m'],
      ['markets', Array.from({ length: 51 }, () => 'binance:BTC-USDT').join(',')],
      ['markets', 'x'.repeat(4001)],
    ],
  },
  {
    path: '/v1/signals',
    good: [
      ['exchange', 'binance'],
      ['symbol', 'BTC-USDT'],
      ['timeframe', '1m'],
      ['limit', '10'],
      ['since', '0'],
    ],
    bad: [
      ['exchange', 'BIN'],
      ['exchange', '1abc'],
      ['symbol', 'btc'],
      ['symbol', ''],
      ['timeframe', '7m'],
      ['since', '-5'],
      ['since', 'now'],
      ['limit', '0'],
      ['limit', '100000'],
    ],
  },
  {
    path: '/v1/weights',
    good: [['symbol', 'BTC/USDT']],
    bad: [
      ['symbol', 'nope'],
      ['symbol', ''],
      ['symbol', 'BTC'],
    ],
  },
] as const;

/** URLs cannot carry a lone surrogate: it becomes U+FFFD (bodies keep it, escaped in JSON). */
function urlSafe(text: string): string {
  return encodeURIComponent(
    text.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd'),
  );
}

function encodeQueryPart(text: string): string {
  return rand() < 0.1 ? `${urlSafe(text)}${pick(['%', '%zz', '%E0%A4%A'])}` : urlSafe(text);
}

const scalarText = (value: Json): string => (typeof value === 'string' ? value : toText(value));

function getCase(index: number): Case {
  const endpoint = pick(GET_ENDPOINTS);
  const pairs: [string, string][] = [];
  for (let n = int(0, 2); n > 0; n--) pairs.push([...pick<readonly [string, string]>(endpoint.good)]);
  const badRoll = rand();
  if (badRoll < 0.35)
    pairs.push([
      pick(['zz', 'x[y]', 'timeframe[a]', 'proto', '$where', ...UNICODE]),
      scalarText(randomScalar()),
    ]);
  else if (badRoll < 0.45) pairs.push([endpoint.good[0][0], pick(STRINGS)], [endpoint.good[0][0], 'again']);
  else pairs.push([...pick<readonly [string, string]>(endpoint.bad)]);
  // Shuffle, so the bad one is not always last.
  pairs.sort(() => rand() - 0.5);
  const query = pairs.map(([k, v]) => `${encodeQueryPart(k)}=${encodeQueryPart(v)}`).join('&');
  return {
    name: `#${index} GET ${endpoint.path}?${query.slice(0, 120)}`,
    method: 'GET',
    path: `${endpoint.path}?${query}`,
    key: rand() < 0.5 ? alpha.key : null,
    allowed: [400],
    fields: true,
  };
}

const SEGMENTS = [
  'BINANCE',
  'btc-usdt',
  '%E0%A4%A',
  '%',
  '%zz',
  '..',
  '%2e%2e',
  'x'.repeat(300),
  urlSafe('₿'),
  urlSafe('<script>'),
  '%00',
  '%0a',
  'BTC%2FUSDT%2FETH',
  'binance%20',
  '1inch',
  urlSafe(UNICODE.join('')),
  'BTC-USDT:USDT:X',
];

function pathCase(index: number): Case {
  const exchange = rand() < 0.4 ? 'binance' : pick(SEGMENTS);
  const symbol = exchange === 'binance' ? pick(SEGMENTS) : rand() < 0.5 ? 'BTC-USDT' : pick(SEGMENTS);
  const path = `/v1/confluence/${exchange}/${symbol}${rand() < 0.4 ? '/history' : ''}`;
  return {
    name: `#${index} GET ${path.slice(0, 120)}`,
    method: 'GET',
    path,
    key: null,
    allowed: [400, 404],
    fields: false,
  };
}

let gw: LocalGateway;

async function send(c: Case): Promise<Response> {
  let test = c.method === 'GET' ? request(gw.server).get(c.path) : request(gw.server).post(c.path);
  if (c.key !== null) test = test.set('X-API-Key', c.key);
  if (c.contentType !== undefined) test = test.set('Content-Type', c.contentType);
  if (c.encoding !== undefined) test = test.set('Content-Encoding', c.encoding);
  if (c.body === undefined) return test;
  // superagent would serialise a Buffer to JSON ({"type":"Buffer",...}) under a JSON content type.
  if (Buffer.isBuffer(c.body)) test = test.serialize((value: unknown) => value as string);
  return test.send(c.body);
}

/** What is wrong with an answer (empty when it is as the contract says). */
function problems(c: Case, response: Response): string[] {
  const found: string[] = [];
  const body = response.body as ErrorBody;
  if (response.status >= 500) found.push('5xx');
  if (!c.allowed.includes(response.status)) found.push(`status not in ${c.allowed.join('/')}`);
  if (!String(response.headers['content-type']).startsWith('application/json')) found.push('not JSON');
  if (body.statusCode !== response.status) found.push('statusCode differs');
  if (typeof body.error !== 'string' || body.error === '') found.push('no error');
  if (typeof body.message !== 'string' || body.message === '') found.push('no message');
  const header = response.headers['x-request-id'];
  if (typeof body.requestId !== 'string' || body.requestId !== header)
    found.push('requestId missing or not the header');
  if (/\n\s+at |node_modules|\.ts:\d+/.test(response.text)) found.push('stack trace');
  if (c.fields && response.status === 400) {
    const errors = Array.isArray(body.errors) ? (body.errors as unknown[]) : [];
    const wellFormed = errors.every((issue) => {
      const { field, message } = (issue ?? {}) as { field?: unknown; message?: unknown };
      return typeof field === 'string' && typeof message === 'string' && message !== '';
    });
    if (errors.length === 0 || !wellFormed) found.push('no {field, message} errors');
  }
  return found;
}

async function run(
  cases: readonly Case[],
): Promise<{ failures: string[]; statuses: Record<number, number> }> {
  const failures: string[] = [];
  const statuses: Record<number, number> = {};
  for (const c of cases) {
    const response = await send(c);
    statuses[response.status] = (statuses[response.status] ?? 0) + 1;
    const found = problems(c, response);
    if (found.length > 0)
      failures.push(`${c.name} → ${response.status} ${found.join(', ')}: ${response.text.slice(0, 160)}`);
  }
  return { failures, statuses };
}

/** The 4xx statuses answered (5xx are reported case by case). */
function refusals(outcome: { statuses: Record<number, number> }): string[] {
  return Object.keys(outcome.statuses)
    .filter((status) => Number(status) < 500)
    .sort();
}

function report(outcome: { failures: string[] }): { count: number; first: string[] } {
  return { count: outcome.failures.length, first: outcome.failures.slice(0, 15) };
}

beforeAll(async () => {
  gw = await startLocalGateway({
    files: [{ file: MARKET_FILES.btc1m, limit: 80 }],
    apiKeys: [alpha],
    patches: [
      { file: 'app.yaml', from: 'bodyLimitBytes: 2097152', to: `bodyLimitBytes: ${BODY_LIMIT}` },
      // High enough that no 429 hides an answer.
      ...rateLimitPatches({ default: 1_000_000, analyze: 1_000_000, indicators: 1_000_000 }),
    ],
  });
}, 60_000);

afterAll(async () => {
  await gw.close();
});

describe('fuzzing the REST API with malformed input (seed 0x6a7e2026)', () => {
  // Drawn in a fixed order, so each case is the same on every run.
  const analyzeCases = Array.from({ length: POST_CASES }, (_, i) => postCase(i, '/v1/confluence/analyze'));
  const indicatorCases = Array.from({ length: POST_CASES }, (_, i) =>
    postCase(POST_CASES + i, '/v1/indicators'),
  );
  const queryCases = Array.from({ length: GET_CASES }, (_, i) => getCase(2 * POST_CASES + i));
  const pathCases = Array.from({ length: PATH_CASES }, (_, i) => pathCase(2 * POST_CASES + GET_CASES + i));

  it('POST /v1/confluence/analyze: 500 malformed bodies, each a 4xx in the error shape', async () => {
    const outcome = await run(analyzeCases);

    // The draw reached every kind of refusal.
    expect(refusals(outcome)).toEqual(['400', '401', '413', '415']);
    expect(report(outcome)).toEqual({ count: 0, first: [] });
  }, 120_000);

  it('POST /v1/indicators: 500 malformed bodies, each a 4xx in the error shape', async () => {
    const outcome = await run(indicatorCases);

    expect(refusals(outcome)).toEqual(['400', '401', '413', '415']);
    expect(report(outcome)).toEqual({ count: 0, first: [] });
  }, 120_000);

  it('GET endpoints: malformed query strings are 400s listing the fields', async () => {
    const outcome = await run(queryCases);

    expect(report(outcome)).toEqual({ count: 0, first: [] });
  }, 60_000);

  it('GET endpoints: malformed paths are 400 or 404, never 5xx', async () => {
    const outcome = await run(pathCases);

    expect(report(outcome)).toEqual({ count: 0, first: [] });
  }, 60_000);

  it('strips __proto__, constructor and prototype keys (Nest does, before validation) and answers as without them', async () => {
    const latest = async (query: string): Promise<Response> =>
      request(gw.server).get(`/v1/confluence/binance/BTC-USDT${query}`).expect(200);
    const plain = await latest('');
    for (const query of ['?__proto__=1', '?constructor=1', '?prototype=1'])
      expect((await latest(query)).body).toEqual(plain.body);

    const valid = toText(validIndicators());
    const expected = (
      await request(gw.server)
        .post('/v1/indicators')
        .set('X-API-Key', alpha.key)
        .send(validIndicators())
        .expect(200)
    ).body as unknown;
    for (const extra of [
      '"__proto__":{"polluted":"yes"},',
      '"constructor":{"prototype":{"polluted":"yes"}},',
      '"prototype":1,',
    ]) {
      const response = await request(gw.server)
        .post('/v1/indicators')
        .set('X-API-Key', alpha.key)
        .set('Content-Type', 'application/json')
        .send(`{${extra}${valid.slice(1)}`)
        .expect(200);
      expect(response.body).toEqual(expected);
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('still answers valid requests after all of it', async () => {
    const analyzed = await request(gw.server)
      .post('/v1/confluence/analyze')
      .set('X-API-Key', alpha.key)
      .send(validAnalyze())
      .expect(200);
    expect(analyzed.body).toMatchObject({ symbol: 'BTC/USDT', timeframe: '1m', stored: false });
    const indicators = await request(gw.server)
      .post('/v1/indicators')
      .set('X-API-Key', alpha.key)
      .send(validIndicators())
      .expect(200);
    expect(indicators.body).toMatchObject({ length: 30 });
    await request(gw.server).get('/v1/confluence/binance/BTC-USDT').expect(200);
    await request(gw.server).get('/health/ready').expect(200);
  });
});
