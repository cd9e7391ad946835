import { describe, expect, it } from '@jest/globals';
import { MAX_JSON_DEPTH, tooDeepAt } from './json-depth.js';

function nested(depth: number): unknown {
  let value: unknown = 1;
  for (let level = 0; level < depth; level++) value = [value];
  return value;
}

describe('tooDeepAt', () => {
  it('accepts scalars and bodies up to the limit', () => {
    expect(tooDeepAt(null)).toBeNull();
    expect(tooDeepAt('text')).toBeNull();
    expect(tooDeepAt(nested(MAX_JSON_DEPTH))).toBeNull();
    expect(tooDeepAt({ orderBook: { bids: [{ price: 1, size: 2 }] } }, 4)).toBeNull();
  });

  it('names the first container past the limit', () => {
    expect(tooDeepAt(nested(MAX_JSON_DEPTH + 1))).toBe('[0]'.repeat(MAX_JSON_DEPTH));
    expect(tooDeepAt({ orderBook: { bids: [{ price: 1, size: [2] }] } }, 4)).toBe('orderBook.bids[0].size');
    expect(tooDeepAt(Object.assign(Object.create(null) as object, { a: [[1]] }), 2)).toBe('a[0]');
    expect(tooDeepAt({ a: 1, b: { c: { d: {} } } }, 3)).toBe('b.c.d');
  });

  it('does not walk class instances (a socket, a DTO), only what JSON.parse makes', () => {
    class Holder {
      readonly self: Holder = this;
    }
    expect(tooDeepAt(new Holder(), 1)).toBeNull();
    expect(tooDeepAt({ holder: new Holder() }, 1)).toBeNull();
  });

  it('walks 100,000 levels without overflowing the stack', () => {
    expect(tooDeepAt(nested(100_000))).toBe('[0]'.repeat(MAX_JSON_DEPTH));
  });
});
