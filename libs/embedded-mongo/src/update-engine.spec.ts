import { describe, expect, it } from '@jest/globals';
import { Long, ObjectId } from 'bson';
import { CommandError } from './errors.js';
import {
  applyUpdate,
  buildUpsertDocument,
  parseUpdate,
  upsertSeed,
  type UpdateContext,
} from './update-engine.js';

const context: UpdateContext = { filter: {}, inserting: false };

describe('parseUpdate', () => {
  it('tells replacements, operator updates and pipelines apart', () => {
    expect(parseUpdate({ a: 1 }).kind).toBe('replacement');
    expect(parseUpdate({}).kind).toBe('replacement');
    expect(parseUpdate({ $set: { a: 1 } }).kind).toBe('operators');
    expect(parseUpdate([{ $set: { a: 1 } }]).kind).toBe('pipeline');
  });

  it.each([
    ['an unknown operator', { $frob: { a: 1 } }, 'Unknown modifier: $frob'],
    ['an operator argument that is not a document', { $set: 5 }, 'Modifiers operate on fields'],
    ['a field mixed into operators', { $set: { a: 1 }, b: 2 }, 'Unknown modifier: b'],
    ['a scalar', 'nope', 'Update argument must be either an object or an array'],
    ['a pipeline stage that is not a document', [1], 'Each update pipeline stage must be an object'],
  ])('rejects %s with FailedToParse', (_label, update, message) => {
    expect(() => parseUpdate(update)).toThrow(
      expect.objectContaining({ code: 9, message: expect.stringContaining(message) }),
    );
  });
});

describe('applyUpdate', () => {
  it('never mutates the stored document', () => {
    const stored = { _id: 1, list: [1], nested: { a: 1 } };
    const updated = applyUpdate(
      stored,
      parseUpdate({ $push: { list: 2 }, $set: { 'nested.a': 2 } }),
      context,
    );
    expect(updated).toEqual({ _id: 1, list: [1, 2], nested: { a: 2 } });
    expect(stored).toEqual({ _id: 1, list: [1], nested: { a: 1 } });
  });

  it('applies $mul, $min, $max, $rename, $currentDate and the positional operator', () => {
    const updated = applyUpdate(
      { _id: 1, n: 3, lo: 5, hi: 5, old: 'x', grades: [80, 90] },
      parseUpdate({
        $mul: { n: Long.fromNumber(2) },
        $min: { lo: 1 },
        $max: { hi: 9 },
        $rename: { old: 'renamed' },
        $currentDate: { touched: true },
        $set: { 'grades.$': 95 },
      }),
      { filter: { grades: 90 }, inserting: false },
    );
    expect(updated).toMatchObject({ n: 6, lo: 1, hi: 9, renamed: 'x', grades: [80, 95] });
    expect(updated.touched).toBeInstanceOf(Date);
  });

  it('keeps Longs as Longs under $inc and rejects non-numeric increments', () => {
    const updated = applyUpdate(
      { _id: 1, big: Long.fromString('9007199254740993') },
      parseUpdate({ $inc: { big: 1 } }),
      context,
    );
    expect(String(updated.big)).toBe('9007199254740994');
    expect(
      applyUpdate({ _id: 1, big: Long.fromNumber(1) }, parseUpdate({ $inc: { big: 0.5 } }), context).big,
    ).toBe(1.5);
    expect(() => applyUpdate({ _id: 1 }, parseUpdate({ $inc: { n: 'x' } }), context)).toThrow(CommandError);
    expect(() => applyUpdate({ _id: 1 }, parseUpdate({ $mul: { n: 'x' } }), context)).toThrow(CommandError);
  });

  it('accepts setting _id to its current value and refuses to change it (ImmutableField)', () => {
    expect(applyUpdate({ _id: 1, a: 1 }, parseUpdate({ $set: { _id: 1, a: 2 } }), context)).toEqual({
      _id: 1,
      a: 2,
    });
    expect(() => applyUpdate({ _id: 1 }, parseUpdate({ $set: { _id: 2 } }), context)).toThrow(
      expect.objectContaining({ code: 66 }),
    );
    expect(() => applyUpdate({ _id: 1 }, parseUpdate({ _id: 2, a: 1 }), context)).toThrow(
      expect.objectContaining({ code: 66 }),
    );
    expect(() => applyUpdate({ _id: 1 }, parseUpdate([{ $set: { _id: 2 } }]), context)).toThrow(
      expect.objectContaining({ code: 66 }),
    );
  });

  it('runs pipeline-style updates', () => {
    const updated = applyUpdate(
      { _id: 1, a: 2, b: 3 },
      parseUpdate([{ $set: { sum: { $add: ['$a', '$b'] } } }, { $unset: 'b' }]),
      context,
    );
    expect(updated).toEqual({ _id: 1, a: 2, sum: 5 });
  });

  it('treats empty operator arguments as no-ops', () => {
    expect(applyUpdate({ _id: 1, a: 1 }, parseUpdate({ $set: {} }), context)).toEqual({ _id: 1, a: 1 });
  });
});

describe('upserts', () => {
  it('seeds from equality conditions, $eq and $and, ignoring operators and regexes', () => {
    expect(
      upsertSeed({
        a: 1,
        'b.c': 2,
        d: { $eq: 3 },
        e: { $gt: 4 },
        f: /x/,
        g: { h: 5 },
        $and: [{ i: 6 }, { j: { $in: [7] } }],
        $or: [{ k: 8 }],
      }),
    ).toEqual({ a: 1, b: { c: 2 }, d: 3, g: { h: 5 }, i: 6 });
  });

  it('builds the inserted document with _id first, from the filter, the update or a new ObjectId', () => {
    const fromFilter = buildUpsertDocument({ _id: 'k', a: 1 }, parseUpdate({ $set: { b: 2 } }), context);
    expect(Object.keys(fromFilter)).toEqual(['_id', 'a', 'b']);
    expect(fromFilter).toEqual({ _id: 'k', a: 1, b: 2 });
    const fromUpdate = buildUpsertDocument({ a: 1 }, parseUpdate({ $setOnInsert: { _id: 'mine' } }), context);
    expect(fromUpdate).toEqual({ _id: 'mine', a: 1 });
    const replacement = buildUpsertDocument({ a: 1 }, parseUpdate({ b: 2 }), context);
    expect(replacement._id).toBeInstanceOf(ObjectId);
    expect(replacement).toMatchObject({ b: 2 });
    expect(replacement).not.toHaveProperty('a');
    expect(buildUpsertDocument({}, parseUpdate({ _id: 7, b: 2 }), context)).toEqual({ _id: 7, b: 2 });
  });
});
