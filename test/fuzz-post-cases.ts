import { gzipSync } from 'node:zlib';
import { breakAnalyze, breakIndicators, validAnalyze, validIndicators } from './fuzz-bodies.js';
import { alpha, BODY_LIMIT, type Case, type Draw, type JsonObject, randomJson, toText } from './fuzz-kit.js';

/**
 * Malformed POST requests (test/gateway-fuzz.e2e-spec.ts): broken bodies, random JSON, invalid
 * JSON text and UTF-8, deep nesting, wrong content types and encodings, bad keys, bodies over the
 * limit; each with the statuses the contract allows for it.
 */

/** Depth-D nesting of one of a few shapes, as JSON text. */
function deepText(d: Draw, depth: number): { text: string; shape: string } {
  switch (d.int(0, 3)) {
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

export function postCase(d: Draw, index: number, path: string): Case {
  const analyze = path === '/v1/confluence/analyze';
  const valid = (): JsonObject => (analyze ? validAnalyze() : validIndicators());
  const broken = (): { body: JsonObject; what: string } => {
    const body = valid();
    const changes: string[] = [];
    if (d.rand() < 0.1) {
      return { body: { data: body }, what: 'wrapped in another object' };
    }
    for (let n = d.int(1, 3); n > 0; n--)
      changes.push(analyze ? breakAnalyze(d, body) : breakIndicators(d, body));
    return { body, what: changes.join(' + ') };
  };
  const base = { method: 'POST' as const, path, key: alpha.key, contentType: 'application/json' };
  const roll = d.rand();
  if (roll < 0.4) {
    const { body, what } = broken();
    return {
      ...base,
      name: `#${index} ${path} ${what}`,
      body: toText(body),
      contentType: d.pick(JSON_CONTENT_TYPES),
      allowed: [400],
      fields: true,
    };
  }
  if (roll < 0.55) {
    const value = randomJson(d, 0);
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
    const text = d.pick([
      () => d.pick(INVALID_JSON),
      () => source.slice(0, d.int(1, source.length - 1)),
      () => Array.from({ length: d.int(1, 40) }, () => String.fromCharCode(d.int(33, 126))).join(''),
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
    const bytes = Buffer.from(Array.from({ length: d.int(1, 64) }, () => d.int(0x80, 0xff)));
    return { ...base, name: `#${index} ${path} invalid UTF-8`, body: bytes, allowed: [400], fields: false };
  }
  if (roll < 0.76) {
    const { text, shape } = deepText(d, d.pick([50, 300, 1000, 2000, 3000, 5000, 8000, 16_000]));
    return {
      ...base,
      name: `#${index} ${path} nested ${shape} (${text.length} bytes)`,
      body: text,
      allowed: [Buffer.byteLength(text) > BODY_LIMIT ? 413 : 400],
      fields: false,
    };
  }
  if (roll < 0.83) {
    const contentType = d.pick(POST_CONTENT_TYPES_415);
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
    const encoding = d.pick(['gzip', 'deflate', 'br', 'x-unknown', 'compress', 'gzip-valid']);
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
    const key = d.pick<string | null>([
      null,
      'wrong',
      '',
      'x'.repeat(300),
      alpha.key.toUpperCase(),
      alpha.key.slice(1),
      `${alpha.key}x`,
    ]);
    const body = d.rand() < 0.5 ? valid() : broken().body;
    return {
      ...base,
      name: `#${index} ${path} X-API-Key ${key === null ? 'absent' : JSON.stringify(key.slice(0, 12))}`,
      body: toText(body),
      key,
      allowed: [401],
      fields: false,
    };
  }
  const padded = { ...valid(), pad: 'x'.repeat(BODY_LIMIT + d.int(1, 5000)) };
  if (d.rand() < 0.3)
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
