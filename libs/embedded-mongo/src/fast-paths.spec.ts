import { describe, expect, it } from '@jest/globals';
import { Double, Int32, Long } from 'bson';
import { Aggregator, Query } from 'mingo';
import type { AnyObject } from 'mingo/types';
import { prng } from '@app/testing';
import type { BsonDocument } from './bson-values.js';
import { compileEqualityMatcher, firstPerGroup } from './fast-paths.js';
import { sortDocuments } from './query-engine.js';

const random = prng(5);
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
const documents: BsonDocument[] = Array.from({ length: 400 }, (_, i) => ({
  _id: i,
  exchange: pick(['binance', 'kraken']),
  symbol: pick(['BTC/USDT', 'ETH/USDT', 'LTC/USDT']),
  n: pick([1, 2, 3]),
  tags: i % 7 === 0 ? ['a', 'b'] : 'a',
  t: i,
  d: new Date(1_000_000 + i),
}));

describe('compileEqualityMatcher', () => {
  it.each<[string, BsonDocument]>([
    ['one field', { symbol: 'BTC/USDT' }],
    ['several fields', { exchange: 'binance', symbol: 'ETH/USDT', n: 2 }],
    ['$eq', { symbol: { $eq: 'LTC/USDT' } }],
    ['$or of equalities', { $or: [{ symbol: 'BTC/USDT', n: 1 }, { exchange: 'kraken' }] }],
    ['a field absent everywhere', { missing: 1 }],
    ['numeric ranges', { t: { $gte: 100, $lt: 250 } }],
    ['ranges with equalities', { symbol: 'BTC/USDT', t: { $gt: 10, $lte: 300 } }],
    ['a date range', { d: { $gte: new Date(1_000_100), $lt: new Date(1_000_300) } }],
    ['a numeric bound against date values (type bracketing)', { d: { $gt: 5 } }],
  ])('decides %s exactly as mingo does', (_name, filter) => {
    const fast = compileEqualityMatcher(filter);
    const mingo = new Query(filter);
    expect(fast).toBeDefined();
    for (const document of documents) expect(fast?.(document)).toBe(mingo.test(document));
  });

  it('treats numeric types as equal, like MongoDB (1, 1.0, Long 1)', () => {
    const fast = compileEqualityMatcher({ n: Long.fromNumber(1) });
    expect(fast?.({ n: 1 })).toBe(true);
    expect(fast?.({ n: 1.0 })).toBe(true);
    expect(fast?.({ n: 2 })).toBe(false);
  });

  it('compares a number target with stored numbers of every type, NaN with NaN and −0 with 0', () => {
    const one = compileEqualityMatcher({ n: 1 });
    expect(one?.({ n: Long.fromNumber(1) })).toBe(true);
    expect(one?.({ n: new Double(1) })).toBe(true);
    expect(one?.({ n: new Int32(1) })).toBe(true);
    expect(one?.({ n: '1' })).toBe(false);
    expect(compileEqualityMatcher({ n: Number.NaN })?.({ n: Number.NaN })).toBe(true);
    expect(compileEqualityMatcher({ n: 0 })?.({ n: -0 })).toBe(true);
    expect(compileEqualityMatcher({ n: -0 })?.({ n: 0 })).toBe(true);
  });

  it('matches a string target only with the same string, a date only with the same instant', () => {
    const btc = compileEqualityMatcher({ symbol: 'BTC/USDT' });
    expect(btc?.({ symbol: 'BTC/USDT' })).toBe(true);
    expect(btc?.({ symbol: 'btc/usdt' })).toBe(false);
    expect(btc?.({ symbol: 1 })).toBe(false);
    expect(btc?.({})).toBe(false);
    const at = compileEqualityMatcher({ d: new Date(5) });
    expect(at?.({ d: new Date(5) })).toBe(true);
    expect(at?.({ d: 5 })).toBe(false);
  });

  it('leaves array-valued fields to the general path (MongoDB matches their elements)', () => {
    expect(compileEqualityMatcher({ tags: 'a' })?.({ tags: ['a', 'b'] })).toBeUndefined();
  });

  it.each<[string, BsonDocument]>([
    ['other operators', { n: { $in: [1, 2] } }],
    ['string ranges', { symbol: { $gt: 'A' } }],
    ['dotted paths', { 'a.b': 1 }],
    ['regexes', { symbol: /BTC/ }],
    ['null', { symbol: null }],
    ['documents', { a: { b: 1 } }],
    ['$and', { $and: [{ n: 1 }] }],
  ])('declines %s', (_name, filter) => {
    expect(compileEqualityMatcher(filter)).toBeUndefined();
  });
});

describe('firstPerGroup', () => {
  it('returns the first document of each group, as mingo’s $group with $first does', () => {
    const sorted = [...documents].sort((a, b) => (b.t as number) - (a.t as number));
    const spec = {
      _id: { e: '$exchange', s: '$symbol' },
      doc: { $first: '$$ROOT' },
      latestN: { $first: '$n' },
    };
    const fast = firstPerGroup(sorted, spec);
    const mingo = new Aggregator([{ $group: spec }]).run(sorted as AnyObject[]);
    const byId = (rows: readonly unknown[]) => [...rows].map((r) => JSON.stringify(r)).sort();
    expect(fast).toBeDefined();
    expect(byId(fast ?? [])).toEqual(byId(mingo));
  });

  it('declines accumulators other than $first and computed ids', () => {
    expect(firstPerGroup(documents, { _id: '$symbol', total: { $sum: '$n' } })).toBeUndefined();
    expect(
      firstPerGroup(documents, { _id: { $toUpper: '$symbol' }, d: { $first: '$$ROOT' } }),
    ).toBeUndefined();
    expect(firstPerGroup(documents, { _id: '$tags', d: { $first: '$$ROOT' } })).toBeUndefined();
  });
});

describe('sortDocuments with a small limit', () => {
  it('selects exactly the first k of the full stable sort, ties in natural order', () => {
    const sorts = [
      [['n', -1]],
      [
        ['symbol', 1],
        ['t', -1],
      ],
    ] as const;
    for (const sort of sorts) {
      const full = sortDocuments(documents, sort);
      for (const k of [1, 3, 10, 40]) expect(sortDocuments(documents, sort, k)).toEqual(full.slice(0, k));
    }
  });
});
