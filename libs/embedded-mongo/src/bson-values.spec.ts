import { describe, expect, it } from '@jest/globals';
import {
  Binary,
  BSONRegExp,
  Decimal128,
  Double,
  Int32,
  Long,
  MaxKey,
  MinKey,
  ObjectId,
  Timestamp,
} from 'bson';
import {
  canonicalKey,
  cloneValue,
  compareValues,
  formatDocument,
  toNumber,
  toQueryView,
} from './bson-values.js';

describe('compareValues', () => {
  it('orders values by BSON type first (MongoDB comparison/sort order)', () => {
    // https://www.mongodb.com/docs/manual/reference/bson-type-comparison-order/
    const ordered = [
      new MinKey(),
      null,
      -5,
      Long.fromNumber(3),
      'a',
      { a: 1 },
      [1],
      new Binary(Buffer.from([1])),
      new ObjectId('000000000000000000000001'),
      false,
      true,
      new Date(0),
      new Timestamp({ t: 1, i: 0 }),
      /re/,
      new MaxKey(),
    ];
    const shuffled = [...ordered].reverse();
    expect(shuffled.sort(compareValues)).toEqual(ordered);
  });

  it('compares numbers across representations and within types by value', () => {
    expect(compareValues(1, Long.fromNumber(1))).toBe(0);
    expect(compareValues(Decimal128.fromString('2.5'), 2)).toBeGreaterThan(0);
    expect(
      compareValues(Long.fromString('9007199254740993'), Long.fromString('9007199254740992')),
    ).toBeGreaterThan(0);
    expect(compareValues('b', 'a')).toBeGreaterThan(0);
    expect(compareValues({ a: 1 }, { a: 1, b: 1 })).toBeLessThan(0);
    expect(compareValues({ a: 2 }, { b: 1 })).toBeLessThan(0);
    expect(compareValues([1, 2], [1, 3])).toBeLessThan(0);
    expect(compareValues(new Timestamp({ t: 1, i: 2 }), new Timestamp({ t: 1, i: 1 }))).toBeGreaterThan(0);
    expect(compareValues(new Binary(Buffer.from([2])), new Binary(Buffer.from([1])))).toBeGreaterThan(0);
    expect(compareValues(new BSONRegExp('a', 'i'), /a/i)).toBe(0);
  });
});

describe('canonicalKey', () => {
  it('is equal exactly for values a unique index treats as the same key', () => {
    expect(canonicalKey(1)).toBe(canonicalKey(Long.fromNumber(1)));
    expect(canonicalKey(1)).toBe(canonicalKey(new Int32(1)));
    expect(canonicalKey(1)).toBe(canonicalKey(new Double(1)));
    expect(canonicalKey(0)).toBe(canonicalKey(-0));
    expect(canonicalKey(null)).toBe(canonicalKey(undefined));
    expect(canonicalKey(1)).not.toBe(canonicalKey('1'));
    expect(canonicalKey({ a: 1, b: 2 })).not.toBe(canonicalKey({ b: 2, a: 1 }));
    expect(canonicalKey(Long.fromString('9007199254740993'))).not.toBe(
      canonicalKey(Long.fromString('9007199254740992')),
    );
    expect(canonicalKey(new MinKey())).not.toBe(canonicalKey(new MaxKey()));
    expect(canonicalKey(new Timestamp({ t: 1, i: 1 }))).toBe('t1:1');
    expect(canonicalKey(/x/i)).toBe(canonicalKey(new BSONRegExp('x', 'i')));
    expect(canonicalKey(new Binary(Buffer.from([1])))).not.toBe(canonicalKey(new Binary(Buffer.from([2]))));
  });
});

describe('cloneValue and toQueryView', () => {
  it('copies mutable values and shares immutable ones', () => {
    const id = new ObjectId();
    const original = { id, at: new Date(5), list: [{ a: 1 }], bin: new Binary(Buffer.from([1])), re: /x/i };
    const copy = cloneValue(original);
    expect(copy).toEqual(original);
    expect(copy.id).toBe(id);
    expect(copy.at).not.toBe(original.at);
    expect(copy.list[0]).not.toBe(original.list[0]);
    expect(copy.bin.buffer).not.toBe(original.bin.buffer);
  });

  it('shows Longs and Decimal128 as numbers, returning the same object when nothing changes', () => {
    const plain = { a: [1, { b: 'x' }] };
    expect(toQueryView(plain)).toBe(plain);
    expect(toQueryView({ a: [Long.fromNumber(2)], d: Decimal128.fromString('1.5') })).toEqual({
      a: [2],
      d: 1.5,
    });
    const decimal = Decimal128.fromString('1.5');
    expect(toQueryView(decimal, false)).toBe(decimal);
    expect(toNumber(new Timestamp({ t: 1, i: 1 }))).toBeUndefined();
    expect(toNumber(10n)).toBe(10);
  });
});

describe('formatDocument', () => {
  it('prints keys as the mongo shell does in E11000 messages', () => {
    const id = new ObjectId('65a1b2c3d4e5f6a7b8c9d0e1');
    expect(
      formatDocument({
        s: 'x',
        n: 1,
        z: null,
        id,
        at: new Date(0),
        l: [1, true],
        o: { a: Long.fromNumber(2) },
      }),
    ).toBe(
      `{ s: "x", n: 1, z: null, id: ObjectId('65a1b2c3d4e5f6a7b8c9d0e1'), at: new Date(0), l: [ 1, true ], o: { a: 2 } }`,
    );
    expect(formatDocument({})).toBe('{}');
  });
});
