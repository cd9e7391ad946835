import { describe, expect, it } from '@jest/globals';
import { deepFreeze, deepMerge, getIn } from './deep.js';

describe('deepMerge', () => {
  it('merges mappings key by key and replaces everything else', () => {
    const base = { a: { b: 1, c: 2 }, list: [1, 2], keep: true };
    const merged = deepMerge(base, { a: { c: 3 }, list: [9] });

    expect(merged).toEqual({ a: { b: 1, c: 3 }, list: [9], keep: true });
    expect(base).toEqual({ a: { b: 1, c: 2 }, list: [1, 2], keep: true });
  });

  it('replaces a mapping whole when its path matches a replace pattern', () => {
    const base = { weights: { x: 0.5, y: 0.5 }, sub: { one: { p: 1 }, two: { q: 1 } } };
    const merged = deepMerge(base, { weights: { z: 1 }, sub: { one: { r: 1 } } }, ['weights', 'sub.*']);

    expect(merged).toEqual({ weights: { z: 1 }, sub: { one: { r: 1 }, two: { q: 1 } } });
  });

  it('keeps an explicit null so validation can reject it', () => {
    expect(deepMerge({ a: { b: 1 } }, { a: null })).toEqual({ a: null });
  });
});

describe('getIn', () => {
  it('walks mappings and arrays, and stops at scalars', () => {
    const value = { a: [{ b: 'x' }] };

    expect(getIn(value, ['a', 0, 'b'])).toBe('x');
    expect(getIn(value, ['a', '0', 'b'])).toBe('x');
    expect(getIn(value, ['a', 0, 'b', 'c'])).toBeUndefined();
    expect(getIn(value, ['missing', 'b'])).toBeUndefined();
  });
});

describe('deepFreeze', () => {
  it('freezes nested objects and arrays', () => {
    const value = deepFreeze({ a: { b: [1, { c: 2 }] } });

    expect(Object.isFrozen(value.a.b)).toBe(true);
    expect(Object.isFrozen(value.a.b[1])).toBe(true);
  });
});
