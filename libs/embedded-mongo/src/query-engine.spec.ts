import { describe, expect, it } from '@jest/globals';
import { Long } from 'bson';
import { canonicalKey } from './bson-values.js';
import { indexKeysAtPath, valuesAtPath } from './document-paths.js';
import { DocumentFilter, parseSort, Projector, runPipeline, sortDocuments } from './query-engine.js';

describe('DocumentFilter', () => {
  it('matches stored Longs against plain numbers and disables server-side scripts', () => {
    expect(new DocumentFilter({ n: { $gte: 5 } }).test({ n: Long.fromNumber(7) })).toBe(true);
    expect(new DocumentFilter({}).test({ anything: 1 })).toBe(true);
    expect(() => new DocumentFilter({ $where: 'true' }).test({})).toThrow();
  });

  it('recognises _id equality for direct lookups, and only that', () => {
    expect(new DocumentFilter({ _id: 5 }).idKey).toBe(canonicalKey(5));
    expect(new DocumentFilter({ _id: { $eq: 5 } }).idKey).toBe(canonicalKey(5));
    expect(new DocumentFilter({ _id: { a: 1 } }).idKey).toBe(canonicalKey({ a: 1 }));
    expect(new DocumentFilter({ _id: { $in: [5] } }).idKey).toBeUndefined();
    expect(new DocumentFilter({ _id: /x/ }).idKey).toBeUndefined();
    expect(new DocumentFilter({ a: 1 }).idKey).toBeUndefined();
  });
});

describe('sorting', () => {
  it('sorts arrays by their smallest element ascending and largest descending', () => {
    const docs = [
      { k: 'a', v: [1, 9] },
      { k: 'b', v: 5 },
      { k: 'c', v: [3, 4] },
    ];
    expect(sortDocuments(docs, parseSort({ v: 1 }, 'sort')).map((d) => d.k)).toEqual(['a', 'c', 'b']);
    expect(sortDocuments(docs, parseSort({ v: -1 }, 'sort')).map((d) => d.k)).toEqual(['a', 'b', 'c']);
  });

  it('honours $natural, skips $meta and rejects bad directions', () => {
    const docs = [{ i: 1 }, { i: 2 }];
    expect(sortDocuments(docs, parseSort({ $natural: -1 }, 'sort'))).toEqual([{ i: 2 }, { i: 1 }]);
    expect(sortDocuments(docs, parseSort({ $natural: 1 }, 'sort'))).toEqual(docs);
    expect(parseSort({ score: { $meta: 'textScore' } }, 'sort')).toEqual([]);
    expect(() => parseSort({ a: 0 }, 'sort')).toThrow(expect.objectContaining({ code: 2 }));
    expect(() => parseSort({ a: 'up' }, 'sort')).toThrow(expect.objectContaining({ code: 2 }));
    expect(() => parseSort('a', 'sort')).toThrow(expect.objectContaining({ code: 14 }));
  });
});

describe('Projector', () => {
  it('projects and validates its argument', () => {
    expect(new Projector({ a: 1, _id: 0 }, 'projection').apply({ _id: 1, a: 2, b: 3 })).toEqual({ a: 2 });
    expect(new Projector({}, 'projection').apply({ a: 1 })).toEqual({ a: 1 });
    expect(() => new Projector('a', 'projection')).toThrow(expect.objectContaining({ code: 14 }));
  });
});

describe('runPipeline', () => {
  const docs = [{ n: 3 }, { n: 1 }, { n: 2 }];

  it('runs leading $match/$sort/$skip/$limit natively and the rest in mingo', () => {
    const out = runPipeline(
      docs,
      [{ $sort: { n: 1 } }, { $skip: 1 }, { $limit: 1 }, { $project: { _id: 0, m: '$n' } }],
      () => [],
    );
    expect(out).toEqual([{ m: 2 }]);
    expect(runPipeline(docs, [{ $match: { n: { $gt: 1 } } }], () => [])).toEqual([{ n: 3 }, { n: 2 }]);
  });

  it('rejects a zero or negative $limit and $skip', () => {
    expect(() => runPipeline(docs, [{ $limit: 0 }], () => [])).toThrow(expect.objectContaining({ code: 2 }));
    expect(() => runPipeline(docs, [{ $skip: -1 }], () => [])).toThrow(expect.objectContaining({ code: 2 }));
  });
});

describe('document paths', () => {
  it('descends arrays of sub-documents and numeric positions', () => {
    const doc = { a: [{ b: 1 }, { b: [2, 3] }, 'x'], c: { d: null } };
    expect(valuesAtPath(doc, 'a.b')).toEqual([1, [2, 3]]);
    expect(valuesAtPath(doc, 'a.1.b')).toEqual([[2, 3]]);
    expect(valuesAtPath(doc, 'c.d')).toEqual([null]);
    expect(valuesAtPath(doc, 'c.d.e')).toEqual([]);
    expect(indexKeysAtPath(doc, 'a.b')).toEqual([1, 2, 3]);
    expect(indexKeysAtPath({ t: [] }, 't')).toEqual([undefined]);
    expect(indexKeysAtPath({}, 'missing')).toEqual([null]);
  });
});
