import { describe, expect, it } from '@jest/globals';
import type { FieldIssue } from '@app/contracts';
import {
  ANALYZE_CANDLES,
  type ArrayBounds,
  candleBodyBounds,
  compileArraySizeCheck,
  INDICATOR_CANDLES,
  MAX_BOOK_LEVELS,
  MAX_CANDLES_PER_TIMEFRAME,
  MAX_TRADES,
} from '@app/contracts/dto';
import { JsonArrayScan } from './json-array-scan.js';

/** A bounds node: `max` elements when an array (message `max <n>`), and bounded properties. */
function node(max: number | null, properties: Record<string, ArrayBounds> = {}): ArrayBounds {
  return { max, message: `max ${max ?? '-'}`, properties: new Map(Object.entries(properties)) };
}

/** The body's bounds: `a` at most 3 elements, `book.bids` at most 2, `items[*].sub` at most 2. */
const ROOT = node(null, {
  a: node(3),
  book: node(null, { bids: node(2) }),
  items: node(null, { sub: node(2) }),
});

function scan(json: string | Buffer, bounds: ArrayBounds = ROOT): FieldIssue | null {
  return new JsonArrayScan(bounds).write(Buffer.from(json));
}

/**
 * The answers to the same body written in two chunks split at every byte, then one byte at a
 * time: each distinct answer once (one, when the cut makes no difference).
 */
function scanSplit(json: string, bounds: ArrayBounds = ROOT): (FieldIssue | null)[] {
  const bytes = Buffer.from(json);
  const results: (FieldIssue | null)[] = [];
  for (let cut = 0; cut <= bytes.length; cut++) {
    const scanner = new JsonArrayScan(bounds);
    scanner.write(bytes.subarray(0, cut));
    results.push(scanner.write(bytes.subarray(cut)));
  }
  const byByte = new JsonArrayScan(bounds);
  let last: FieldIssue | null = null;
  for (const byte of bytes) last = byByte.write(Uint8Array.of(byte));
  results.push(last);
  return [...new Set(results.map((result) => JSON.stringify(result)))].map(
    (result) => JSON.parse(result) as FieldIssue | null,
  );
}

const A_OVER = { field: 'a', message: 'max 3' };

describe('JsonArrayScan', () => {
  it('lets an array of exactly its bound through and names it at one element more', () => {
    expect(scan('{"a":[1,2,3]}')).toBeNull();
    expect(scan('{"a":[1,2,3,4]}')).toEqual(A_OVER);
    expect(scan('{"a":[]}')).toBeNull();
    expect(scan('{"a":[{},{},{},{}]}')).toEqual(A_OVER);
    expect(scan('{"a":["","","",""]}')).toEqual(A_OVER);
    // A comma past the bound with no value after it is malformed JSON: the parser's to refuse.
    expect(scanSplit('{"a":[1,2,3,]}')).toEqual([null]);
    expect(scanSplit('{"a":[1,2,3, \n]}')).toEqual([null]);
    expect(scanSplit('{"a":[1,2,3, 4]}')).toEqual([A_OVER]);
  });

  it('reads spaces anywhere JSON allows them', () => {
    expect(scan('{ "a" : [ ] }')).toBeNull();
    expect(scan('{ "a" :\n[ 1 ,\t2 ,\r\n3 ] }')).toBeNull();
    expect(scan('{ "a" : [ 1 , 2 , 3 , 4 ] }')).toEqual(A_OVER);
  });

  it('takes brackets, braces, commas and colons inside strings as text', () => {
    expect(scan('{"a":["x,y,z","[1,2,3]","{\\"k\\":[1,2]}"]}')).toBeNull();
    expect(scan('{"a":["]","}",",", ":"]}')).toEqual(A_OVER);
    expect(scan('{"a":[",", ",", ","], "b": ","}')).toBeNull();
  });

  it('ends a string only at an unescaped quote', () => {
    // `\"` and `\\` inside: still three strings; the last ends after an escaped backslash.
    expect(scan('{"a":["say \\"hi\\", [", "\\\\", "x\\\\\\""]}')).toBeNull();
    expect(scan('{"a":["\\\\", "\\\\", "\\\\", "\\\\"]}')).toEqual(A_OVER);
    // A quote escaped at a chunk boundary, every split (scanSplit) included.
    expect(scanSplit('{"a":["\\"]\\"", 1, 2, "\\\\", 3]}')).toEqual([A_OVER]);
  });

  it('counts the elements of the bounded array, not those of arrays nested in them', () => {
    expect(scan('{"a":[[1,2,3,4,5],[6],[[7,8],[9]]]}')).toBeNull();
    expect(scan('{"a":[{"x":[1,2,3,4,5],"y":{"a":[1,2,3,4]}},2,3]}')).toBeNull();
    expect(scan('{"a":[[],[],[],[]]}')).toEqual(A_OVER);
  });

  it('follows bounded properties only where they are declared', () => {
    expect(scan('{"x":{"a":[1,2,3,4]}}')).toBeNull();
    expect(scan('{"book":{"a":[1,2,3,4],"bids":[1,2]}}')).toBeNull();
    expect(scan('{"book":{"asks":[1,2,3],"bids":[1,2,3]}}')).toEqual({
      field: 'book.bids',
      message: 'max 2',
    });
    // A string value that reads like a key is no key.
    expect(scan('{"b":"a","c":[1,2,3,4],"d":"\\"a\\":[1,2,3,4]"}')).toBeNull();
    // Nothing inherited from Object.prototype is a bounded property.
    expect(scan('{"__proto__":[1,2,3,4],"constructor":{"bids":[1,2,3]},"toString":[1,2,3,4]}')).toBeNull();
  });

  it("names an element's array by its index, as the parsed check does", () => {
    expect(scan('{"items":[{"sub":[1,2]},{"sub":[]},{"other":[1,2,3]}]}')).toBeNull();
    expect(scan('{"items":[{"sub":[1]},"x",{"sub":[1,2,3]}]}')).toEqual({
      field: 'items[2].sub',
      message: 'max 2',
    });
    // An object under the property is walked as the element would be.
    expect(scan('{"items":{"sub":[1,2,3]}}')).toEqual({ field: 'items.sub', message: 'max 2' });
  });

  it('matches a key written with escapes by the name it stands for', () => {
    expect(scan('{"\\u0061":[1,2,3,4]}')).toEqual(A_OVER);
    expect(scan('{"\\u0061\\u0062":[1,2,3,4]}')).toBeNull();
    // An invalid escape matches nothing (the parser refuses the body).
    expect(scan('{"\\x61":[1,2,3,4]}')).toBeNull();
  });

  it('ignores a key longer than any bounded name, however it ends', () => {
    expect(scan(`{"${'x'.repeat(10_000)}a":[1,2,3,4],"a":[1]}`)).toBeNull();
    expect(scan(`{"${'\\u0061'.repeat(100)}":[1,2,3,4]}`)).toBeNull();
  });

  it('walks no array at the root, and nothing after the body', () => {
    expect(scan('[{"a":[1,2,3,4]}]')).toBeNull();
    expect(scan('{"a":[1]} {"a":[1,2,3,4]}')).toBeNull();
    expect(scan('[1,2,3,4]', node(3))).toBeNull();
  });

  it('gives the same answer wherever the chunks are cut', () => {
    const bodies = [
      '{"z":"\\"a\\":[1,2,3,4]","a":[ "[", "\\\\", {"k":"]"} ]}',
      '{"book":{"bids":[[1,2],[3,4],[5,6]]}}',
      '{"\\u0061":[1,2,3,4]}',
      '{"items":[{"sub":[1]},{"sub":[1,2,3]}]}',
      // Skipped elements holding escaped quotes, backslashes and brackets in their strings.
      '{"a":[{"k":"x\\"}]\\\\"},{"k":["\\\\",{"j":"{"}]},3,4]}',
    ];
    const expected = [
      null,
      { field: 'book.bids', message: 'max 2' },
      A_OVER,
      { field: 'items[1].sub', message: 'max 2' },
      A_OVER,
    ];
    bodies.forEach((body, i) => {
      expect(scanSplit(body)).toEqual([expected[i]]);
    });
  });

  it('keeps its answer once it has one, and reads no further', () => {
    const scanner = new JsonArrayScan(ROOT);
    expect(scanner.write(Buffer.from('{"a":[1,2,3,'))).toBeNull();
    expect(scanner.write(Buffer.from('4'))).toEqual(A_OVER);
    expect(scanner.write(Buffer.from(',5]}'))).toEqual(A_OVER);
  });

  it('is not overflowed by a hostile nesting depth', () => {
    const deep = `{"a":[${'['.repeat(200_000)}${']'.repeat(200_000)},1,2,3]}`;
    expect(scan(deep)).toEqual(A_OVER);
  });
});

describe("JsonArrayScan on the API's bodies agrees with the parsed checks", () => {
  const TRADE = { timestamp: 1_613_692_800_000, price: 100, size: 1, side: 'buy' };
  const CANDLE = { timestamp: 1_613_692_800_000, open: 1, high: 2, low: 0.5, close: 1.5, volume: 10 };
  const LEVEL = { price: 100, size: 1 };
  const analyze = candleBodyBounds(ANALYZE_CANDLES);
  const parsedCheck = compileArraySizeCheck(ANALYZE_CANDLES.dto);
  const bodies: readonly [string, object, FieldIssue | null][] = [
    ['trades at the limit', { trades: new Array(MAX_TRADES).fill(TRADE) }, null],
    [
      'trades one over',
      { trades: new Array(MAX_TRADES + 1).fill(TRADE) },
      { field: 'trades', message: `must contain no more than ${MAX_TRADES} elements` },
    ],
    [
      'bids one over',
      { orderBook: { timestamp: 1, bids: new Array(MAX_BOOK_LEVELS + 1).fill(LEVEL), asks: [] } },
      { field: 'orderBook.bids', message: `must contain no more than ${MAX_BOOK_LEVELS} elements` },
    ],
    [
      'derivatives one over',
      { derivatives: new Array(1001).fill({ timestamp: 1 }) },
      { field: 'derivatives', message: 'must contain no more than 1000 elements' },
    ],
  ];

  it.each(bodies)('%s', (_what, extra, issue) => {
    const body = { symbol: 'BTC/USDT', candles: { '1m': [CANDLE] }, ...extra };

    expect(scan(JSON.stringify(body), analyze)).toEqual(issue);
    expect(parsedCheck?.(body) ?? []).toEqual(issue === null ? [] : [issue]);
  });

  it('counts the candles of each timeframe, under their own path, and not under other keys', () => {
    const over = new Array(MAX_CANDLES_PER_TIMEFRAME + 1).fill(CANDLE);
    const at = over.slice(1);
    const message = `must hold at most ${MAX_CANDLES_PER_TIMEFRAME} candles`;

    expect(scan(JSON.stringify({ candles: { '1m': at, '4h': at } }), analyze)).toBeNull();
    expect(scan(JSON.stringify({ candles: { '1m': at, '4h': over } }), analyze)).toEqual({
      field: 'candles.4h',
      message,
    });
    // Not a timeframe: refused after parsing for its key ("is not a known timeframe"), not counted.
    expect(scan(JSON.stringify({ candles: { '7m': over } }), analyze)).toBeNull();
    expect(ANALYZE_CANDLES.issues({ '1m': over }, {})).toEqual([{ field: 'candles.1m', message }]);
    const indicators = candleBodyBounds(INDICATOR_CANDLES);
    expect(scan(JSON.stringify({ candles: over }), indicators)).toEqual({ field: 'candles', message });
    expect(scan(JSON.stringify({ candles: at, timeframe: '1m' }), indicators)).toBeNull();
  });
});
