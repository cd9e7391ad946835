import { MAX_TIME_MS } from '@app/contracts';
import {
  alpha,
  type Case,
  type Draw,
  type Json,
  randomScalar,
  STRINGS,
  toText,
  UNICODE,
} from './fuzz-kit.js';

/**
 * Malformed GET requests (test/gateway-fuzz.e2e-spec.ts): query strings with at least one
 * parameter no endpoint accepts as given, and malformed path segments.
 */

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
      // Past the one time range (libs/contracts time-range.ts), and limits past theirs.
      ['from', '99999999999999999'],
      ['from', '8640000000000001'],
      ['to', '1e300'],
      ['to', String(MAX_TIME_MS + 1)],
      ['limit', '1e300'],
      ['limit', '9007199254740993'],
      ['cursor', Buffer.from('t:9999999999999999').toString('base64url')],
      ['cursor', Buffer.from(`t:${MAX_TIME_MS + 1}`).toString('base64url')],
    ],
  },
  {
    path: '/v1/candles/binance/BTC-USDT',
    good: [
      ['timeframe', '1m'],
      ['limit', '5'],
      ['from', '0'],
      ['to', '1613692800000'],
    ],
    bad: [
      ['limit', '0'],
      ['limit', '1001'],
      ['limit', 'abc'],
      ['from', '-1'],
      ['to', '1.25'],
      ['timeframe', '2m'],
      ['from', String(MAX_TIME_MS + 1)],
      ['cursor', 'x'],
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
      ['since', '99999999999999999'],
      ['since', '1e300'],
      ['since', String(MAX_TIME_MS + 1)],
      ['limit', '1e300'],
    ],
  },
  {
    path: '/v1/llm/costs',
    good: [
      ['from', '2026-12-01'],
      ['to', '2026-12-07'],
    ],
    bad: [
      ['from', '1969-12-31'],
      ['from', '0000-01-01'],
      ['to', '2026-02-30'],
      ['to', '99999-01-01'],
      ['from', '1e300'],
      ['to', '-1'],
    ],
  },
  {
    path: '/v1/alerts',
    good: [
      ['limit', '10'],
      ['status', 'failed'],
    ],
    bad: [
      ['limit', '0'],
      ['limit', '1001'],
      ['limit', 'abc'],
      ['limit', '1e300'],
      ['status', 'sent'],
      ['status', ''],
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

function encodeQueryPart(d: Draw, text: string): string {
  return d.rand() < 0.1 ? `${urlSafe(text)}${d.pick(['%', '%zz', '%E0%A4%A'])}` : urlSafe(text);
}

const scalarText = (value: Json): string => (typeof value === 'string' ? value : toText(value));

export function getCase(d: Draw, index: number): Case {
  const endpoint = d.pick(GET_ENDPOINTS);
  const pairs: [string, string][] = [];
  for (let n = d.int(0, 2); n > 0; n--) pairs.push([...d.pick<readonly [string, string]>(endpoint.good)]);
  const badRoll = d.rand();
  if (badRoll < 0.35)
    pairs.push([
      d.pick(['zz', 'x[y]', 'timeframe[a]', 'proto', '$where', ...UNICODE]),
      scalarText(randomScalar(d)),
    ]);
  else if (badRoll < 0.45) pairs.push([endpoint.good[0][0], d.pick(STRINGS)], [endpoint.good[0][0], 'again']);
  else pairs.push([...d.pick<readonly [string, string]>(endpoint.bad)]);
  // Shuffle, so the bad one is not always last.
  pairs.sort(() => d.rand() - 0.5);
  const query = pairs.map(([k, v]) => `${encodeQueryPart(d, k)}=${encodeQueryPart(d, v)}`).join('&');
  return {
    name: `#${index} GET ${endpoint.path}?${query.slice(0, 120)}`,
    method: 'GET',
    path: `${endpoint.path}?${query}`,
    key: d.rand() < 0.5 ? alpha.key : null,
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

export function pathCase(d: Draw, index: number): Case {
  const exchange = d.rand() < 0.4 ? 'binance' : d.pick(SEGMENTS);
  const symbol = exchange === 'binance' ? d.pick(SEGMENTS) : d.rand() < 0.5 ? 'BTC-USDT' : d.pick(SEGMENTS);
  const path = `/v1/confluence/${exchange}/${symbol}${d.rand() < 0.4 ? '/history' : ''}`;
  return {
    name: `#${index} GET ${path.slice(0, 120)}`,
    method: 'GET',
    path,
    key: null,
    allowed: [400, 404],
    fields: false,
  };
}
