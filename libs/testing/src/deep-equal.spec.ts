import { describe, expect, it } from '@jest/globals';
import { expectDeepEqual, strictlyEqual } from './deep-equal.js';

class Point {
  constructor(
    readonly x: number,
    readonly y: number,
  ) {}
}

/** [1, <hole>, 3]: what `new Array(3)` leaves unset. */
function sparse(): unknown[] {
  const list: unknown[] = new Array<unknown>(3);
  list[0] = 1;
  list[2] = 3;
  return list;
}

describe('strictlyEqual', () => {
  it('accepts structurally equal values of every kind it knows', () => {
    const value = () => ({
      n: 1.5,
      s: 'a',
      nan: Number.NaN,
      nested: { list: [1, { deep: [null, true] }], point: new Point(1, 2) },
      map: new Map<string, unknown>([['k', { v: [1] }]]),
      set: new Set([1, 'x']),
      date: new Date(5),
      bytes: new Float64Array([1, 2]),
    });
    expect(strictlyEqual(value(), value())).toBe(true);
  });

  it.each([
    ['−0 against 0', { a: -0 }, { a: 0 }],
    ['a missing key against undefined', { a: 1 }, { a: 1, b: undefined }],
    ['another prototype', new Point(1, 2), { x: 1, y: 2 }],
    ['another array length', [1, 2], [1, 2, 3]],
    ['a sparse array', sparse(), [1, undefined, 3]],
    ['another map value', new Map([['k', 1]]), new Map([['k', 2]])],
    ['another set member', new Set([1]), new Set([2])],
    ['another date', new Date(1), new Date(2)],
    ['other bytes', new Uint8Array([1]), new Uint8Array([2])],
    ['errors (left to toEqual)', new Error('x'), new Error('x')],
    ['a nested difference', { a: [{ b: 1 }] }, { a: [{ b: 2 }] }],
  ])('refuses %s', (_, a, b) => {
    expect(strictlyEqual(a, b)).toBe(false);
  });
});

describe('expectDeepEqual', () => {
  it('passes where toEqual passes, including where the strict check alone would not', () => {
    expectDeepEqual({ a: 1, list: [new Point(1, 2)] }, { a: 1, list: [new Point(1, 2)] });
    // toEqual treats an undefined property as a missing one; the strict check hands it over.
    expectDeepEqual({ a: 1, b: undefined }, { a: 1 });
  });

  it('fails with Jest’s diff where the values differ', () => {
    expect(() => {
      expectDeepEqual({ a: [1, 2, 3] }, { a: [1, 2, 4] });
    }).toThrow(/toEqual/);
    expect(() => {
      expectDeepEqual({ a: -0 }, { a: 0 });
    }).toThrow(/toEqual/);
  });
});
