import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { Binary, Decimal128, Long, MongoClient, ObjectId, type Collection, type Db } from 'mongodb';
import { EmbeddedMongoServer } from './embedded-mongo.server.js';

interface Numbered {
  _id: number;
  n: number;
  tags: string[];
  gone?: boolean;
  nested?: { x: string };
}

interface Keyed {
  _id: string;
  [field: string]: unknown;
}

describe('EmbeddedMongoServer CRUD commands (through the official driver)', () => {
  let server: EmbeddedMongoServer;
  let client: MongoClient;
  let db: Db;
  let items: Collection;

  beforeAll(async () => {
    server = await EmbeddedMongoServer.start({ logger: { warn: () => undefined } });
    client = await new MongoClient(server.uri).connect();
    db = client.db('crud');
  });

  beforeEach(async () => {
    await db.dropDatabase();
    items = db.collection('items');
  });

  afterAll(async () => {
    await client.close();
    await server.stop();
  });

  it('inserts with generated ObjectIds and finds with filter, sort, skip, limit and projection', async () => {
    const inserted = await items.insertMany([
      { name: 'c', qty: 3, tags: ['x'] },
      { name: 'a', qty: 1, tags: ['y'] },
      { name: 'b', qty: 2, tags: ['x', 'y'] },
      { name: 'd', qty: 4 },
    ]);
    expect(inserted.insertedCount).toBe(4);
    expect(Object.values(inserted.insertedIds).every((id) => id instanceof ObjectId)).toBe(true);

    const found = await items
      .find({ qty: { $gte: 2 } }, { projection: { _id: 0, name: 1 } })
      .sort({ qty: -1 })
      .skip(1)
      .limit(2)
      .toArray();
    expect(found).toEqual([{ name: 'c' }, { name: 'b' }]);
    expect(await items.find({ tags: 'x' }).sort({ name: 1 }).project({ name: 1, _id: 0 }).toArray()).toEqual([
      { name: 'b' },
      { name: 'c' },
    ]);
    expect(await items.findOne({ name: 'zzz' })).toBeNull();
    expect(await db.collection('missing').find().toArray()).toEqual([]);
  });

  it('sorts mixed types in BSON order: null < numbers < strings < objects < ObjectId < booleans < dates', async () => {
    const oid = new ObjectId();
    const date = new Date('2024-01-01T00:00:00Z');
    await items.insertMany([
      { v: date },
      { v: true },
      { v: oid },
      { v: { a: 1 } },
      { v: 's' },
      { v: 2 },
      { v: null },
      {},
    ]);
    const ascending = await items
      .find({}, { projection: { _id: 0 } })
      .sort({ v: 1 })
      .toArray();
    expect(ascending.map((document): unknown => document.v)).toEqual([
      null,
      undefined,
      2,
      's',
      { a: 1 },
      oid,
      true,
      date,
    ]);
  });

  it('hands out more than 101 documents through getMore and closes exhausted cursors', async () => {
    await items.insertMany(Array.from({ length: 250 }, (_, i) => ({ i })));
    const all = await items.find().sort({ i: 1 }).toArray();
    expect(all).toHaveLength(250);
    expect(all.map((document) => Number(document.i))).toEqual(Array.from({ length: 250 }, (_, i) => i));

    const cursor = items.find({}, { batchSize: 100 });
    let seen = 0;
    for await (const document of cursor) {
      expect(document).toHaveProperty('i');
      seen++;
    }
    expect(seen).toBe(250);

    const first = await db.command({ find: 'items', batchSize: 2 });
    const id = (first.cursor as { id: Long }).id;
    expect(id).toBeInstanceOf(Long);
    const rest = await db.command({ getMore: id, collection: 'items' });
    // The driver promotes the exhausted cursor's Long 0 to a number.
    expect(rest.cursor).toMatchObject({ id: 0, ns: 'crud.items' });
    expect((rest.cursor as { nextBatch: unknown[] }).nextBatch).toHaveLength(248);
    await expect(db.command({ getMore: id, collection: 'items' })).rejects.toMatchObject({
      code: 43,
      codeName: 'CursorNotFound',
    });
  });

  it('kills cursors on request', async () => {
    await items.insertMany([{ i: 1 }, { i: 2 }, { i: 3 }]);
    const first = await db.command({ find: 'items', batchSize: 1 });
    const id = (first.cursor as { id: Long }).id;
    const killed = await db.command({ killCursors: 'items', cursors: [id, Long.fromNumber(12345)] });
    expect(killed).toMatchObject({ cursorsKilled: [id], cursorsNotFound: [12345], ok: 1 });
  });

  it('updates with $set, $unset, $inc, $push, $addToSet and $pull, counting matched and modified', async () => {
    const numbered = db.collection<Numbered>('items');
    await numbered.insertMany([
      { _id: 1, n: 1, tags: ['a'], gone: true },
      { _id: 2, n: 5, tags: ['a', 'b'] },
    ]);
    const result = await numbered.updateOne(
      { _id: 1 },
      { $set: { 'nested.x': 'y' }, $unset: { gone: '' }, $inc: { n: 2 }, $push: { tags: 'c' } },
    );
    expect(result).toMatchObject({ matchedCount: 1, modifiedCount: 1 });
    expect(await numbered.findOne({ _id: 1 })).toEqual({
      _id: 1,
      n: 3,
      tags: ['a', 'c'],
      nested: { x: 'y' },
    });

    const many = await numbered.updateMany({}, { $addToSet: { tags: 'b' } });
    expect(many).toMatchObject({ matchedCount: 2, modifiedCount: 1 });
    await numbered.updateMany({ tags: 'a' }, { $pull: { tags: 'a' } });
    expect(await numbered.find().sort({ _id: 1 }).toArray()).toEqual([
      { _id: 1, n: 3, tags: ['c', 'b'], nested: { x: 'y' } },
      { _id: 2, n: 5, tags: ['b'] },
    ]);
    expect(await numbered.updateOne({ _id: 2 }, { $set: { n: 5 } })).toMatchObject({
      matchedCount: 1,
      modifiedCount: 0,
    });
  });

  it('replaces documents, keeps _id immutable and upserts with $setOnInsert and filter equalities', async () => {
    const keyed = db.collection<Keyed>('items');
    await keyed.insertOne({ _id: 'r', a: 1, b: 2 });
    await keyed.replaceOne({ _id: 'r' }, { c: 3 });
    expect(await keyed.findOne({ _id: 'r' })).toEqual({ _id: 'r', c: 3 });
    await expect(keyed.updateOne({ _id: 'r' }, { $set: { _id: 'other' } })).rejects.toMatchObject({
      code: 66,
    });

    const upserted = await items.updateOne(
      { sku: 'abc', qty: { $gt: 5 } },
      { $set: { price: 10 }, $setOnInsert: { created: true } },
      { upsert: true },
    );
    expect(upserted).toMatchObject({ matchedCount: 0, modifiedCount: 0, upsertedCount: 1 });
    expect(upserted.upsertedId).toBeInstanceOf(ObjectId);
    expect(await items.findOne({ sku: 'abc' }, { projection: { _id: 0 } })).toEqual({
      sku: 'abc',
      price: 10,
      created: true,
    });
    await items.updateOne(
      { sku: 'abc' },
      { $set: { price: 11 }, $setOnInsert: { created: false } },
      { upsert: true },
    );
    expect(await items.findOne({ sku: 'abc' }, { projection: { _id: 0 } })).toEqual({
      sku: 'abc',
      price: 11,
      created: true,
    });

    const replacedUpsert = await keyed.replaceOne({ _id: 'new' }, { z: 1 }, { upsert: true });
    expect(replacedUpsert.upsertedId).toBe('new');
    await expect(items.updateOne({}, { $frobnicate: { a: 1 } })).rejects.toMatchObject({
      code: 9,
    });
  });

  it('runs findAndModify with new, remove, upsert, sort and fields', async () => {
    await items.insertMany([
      { k: 'a', n: 1 },
      { k: 'a', n: 2 },
    ]);
    const after = await items.findOneAndUpdate(
      { k: 'a' },
      { $inc: { n: 10 } },
      { sort: { n: -1 }, returnDocument: 'after', projection: { _id: 0 } },
    );
    expect(after).toEqual({ k: 'a', n: 12 });
    const before = await items.findOneAndUpdate(
      { k: 'a', n: 1 },
      { $set: { n: 0 } },
      { returnDocument: 'before' },
    );
    expect(before).toMatchObject({ n: 1 });

    const upserted = await items.findOneAndUpdate(
      { k: 'b' },
      { $set: { n: 7 } },
      { upsert: true, returnDocument: 'after', includeResultMetadata: true },
    );
    expect(upserted.value).toMatchObject({ k: 'b', n: 7 });
    expect(upserted.lastErrorObject).toMatchObject({ n: 1, updatedExisting: false });
    expect(upserted.lastErrorObject?.upserted).toBeInstanceOf(ObjectId);

    const removed = await items.findOneAndDelete({ k: 'a' }, { sort: { n: 1 } });
    expect(removed).toMatchObject({ k: 'a', n: 0 });
    expect(await items.findOneAndDelete({ k: 'none' })).toBeNull();
    expect(await items.findOneAndUpdate({ k: 'none' }, { $set: { n: 1 } })).toBeNull();
    await expect(db.command({ findAndModify: 'items', query: {} })).rejects.toMatchObject({ code: 9 });
    await expect(
      db.command({ findAndModify: 'items', remove: true, update: { $set: { a: 1 } } }),
    ).rejects.toMatchObject({
      code: 9,
    });
    expect(await items.countDocuments()).toBe(2);
  });

  it('deletes one or many and rejects an invalid limit', async () => {
    await items.insertMany([{ g: 1 }, { g: 1 }, { g: 2 }]);
    expect((await items.deleteOne({ g: 1 })).deletedCount).toBe(1);
    expect((await items.deleteMany({})).deletedCount).toBe(2);
    expect((await db.collection('nothing').deleteMany({})).deletedCount).toBe(0);
    await expect(db.command({ delete: 'items', deletes: [{ q: {}, limit: 5 }] })).resolves.toMatchObject({
      n: 0,
      writeErrors: [{ index: 0, code: 9 }],
    });
  });

  it('aggregates with $match, $group, $sort, $limit, $project, $unwind, $addFields, $count and $lookup', async () => {
    await items.insertMany([
      { cat: 'a', v: 1, tags: ['x', 'y'] },
      { cat: 'b', v: 5, tags: ['x'] },
      { cat: 'a', v: 3, tags: [] },
      { cat: 'c', v: 2, tags: ['z'] },
    ]);
    const grouped = await items
      .aggregate([
        { $match: { v: { $gte: 1 } } },
        { $group: { _id: '$cat', total: { $sum: '$v' } } },
        { $sort: { total: -1 } },
        { $limit: 2 },
        { $project: { _id: 0, cat: '$_id', total: 1 } },
      ])
      .toArray();
    expect(grouped).toEqual([
      { total: 5, cat: 'b' },
      { total: 4, cat: 'a' },
    ]);
    const unwound = await items
      .aggregate([
        { $unwind: '$tags' },
        { $addFields: { double: { $multiply: ['$v', 2] } } },
        { $count: 'n' },
      ])
      .toArray();
    expect(unwound).toEqual([{ n: 4 }]);
    await db.collection<Keyed>('cats').insertMany([{ _id: 'a', label: 'Alpha' }]);
    const joined = await items
      .aggregate([
        { $match: { cat: 'a' } },
        { $sort: { v: 1 } },
        { $lookup: { from: 'cats', localField: 'cat', foreignField: '_id', as: 'info' } },
        { $project: { _id: 0, v: 1, label: { $first: '$info.label' } } },
      ])
      .toArray();
    expect(joined).toEqual([
      { v: 1, label: 'Alpha' },
      { v: 3, label: 'Alpha' },
    ]);
    await expect(items.aggregate([{ $out: 'copy' }]).toArray()).rejects.toMatchObject({ code: 115 });
    await expect(db.command({ aggregate: 'items', pipeline: [] })).rejects.toMatchObject({ code: 9 });
  });

  it('counts and lists distinct values', async () => {
    await items.insertMany([{ c: 'x', t: [1, 2] }, { c: 'y', t: [2, 3] }, { c: 'x' }]);
    expect(await items.countDocuments({ c: 'x' })).toBe(2);
    expect(await items.estimatedDocumentCount()).toBe(3);
    expect(await db.command({ count: 'items', query: { c: 'x' }, skip: 1, limit: 5 })).toMatchObject({
      n: 1,
    });
    expect(await items.distinct('c')).toEqual(['x', 'y']);
    expect(await items.distinct('t', { c: { $in: ['x', 'y'] } })).toEqual([1, 2, 3]);
  });

  it('round-trips Dates, ObjectIds, Longs, Decimal128 and binary data unchanged', async () => {
    const raw = client.db('crud', { promoteLongs: false }).collection('types');
    const document = {
      _id: new ObjectId(),
      at: new Date('2024-05-06T07:08:09.123Z'),
      big: Long.fromString('9007199254740993'),
      price: Decimal128.fromString('12.345'),
      bytes: new Binary(Buffer.from([1, 2, 3])),
      nested: { when: [new Date(0)] },
    };
    await raw.insertOne(document);
    const stored = await raw.findOne({ _id: document._id });
    expect(stored?.at).toEqual(document.at);
    expect(stored?._id).toEqual(document._id);
    expect(String(stored?.big)).toBe('9007199254740993');
    expect(stored?.big).toBeInstanceOf(Long);
    expect(String(stored?.price)).toBe('12.345');
    expect(stored?.bytes).toEqual(document.bytes);
    expect(stored?.nested).toEqual({ when: [new Date(0)] });
    expect(await raw.countDocuments({ big: { $gt: 9007199254740000 } })).toBe(1);
    await raw.updateOne({ _id: document._id }, { $inc: { big: 2 } });
    expect(String((await raw.findOne({ _id: document._id }))?.big)).toBe('9007199254740995');
  });

  it('reports a bad argument type as TypeMismatch instead of failing', async () => {
    await expect(db.command({ find: 42 })).rejects.toMatchObject({ code: 14, codeName: 'TypeMismatch' });
    await expect(db.command({ find: 'items', filter: 'nope' })).rejects.toMatchObject({ code: 14 });
    await expect(db.command({ find: 'items', filter: { $bogus: 1 } })).rejects.toMatchObject({ code: 2 });
    await expect(db.command({ insert: 'items', documents: 'x' })).rejects.toMatchObject({ code: 14 });
  });
});
