import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import {
  MongoBulkWriteError,
  MongoClient,
  MongoServerError,
  ObjectId,
  type Collection,
  type CreateIndexesOptions,
  type Db,
  type Document,
} from 'mongodb';
import { EmbeddedMongoServer } from './embedded-mongo.server.js';

/** The driver's current overload: index options apart from command options. */
const createIndex = (
  collection: Collection,
  keys: Document,
  options: CreateIndexesOptions = {},
): Promise<string> => collection.createIndex(keys, options, {});

describe('EmbeddedMongoServer indexes and catalog commands', () => {
  let server: EmbeddedMongoServer;
  let client: MongoClient;
  let db: Db;
  let users: Collection;

  beforeAll(async () => {
    server = await EmbeddedMongoServer.start({ logger: { warn: () => undefined } });
    client = await new MongoClient(server.uri).connect();
    db = client.db('cat');
  });

  beforeEach(async () => {
    await db.dropDatabase();
    users = db.collection('users');
  });

  afterAll(async () => {
    await client.close();
    await server.stop();
  });

  it('rejects a duplicate on a unique index with E11000 in MongoDB form, keyPattern and keyValue', async () => {
    expect(await createIndex(users, { email: 1 }, { unique: true })).toBe('email_1');
    await users.insertOne({ email: 'a@example.com' });
    const error = await users.insertOne({ email: 'a@example.com' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MongoServerError);
    expect(error).toMatchObject({
      code: 11000,
      message:
        'E11000 duplicate key error collection: cat.users index: email_1 dup key: { email: "a@example.com" }',
      keyPattern: { email: 1 },
      keyValue: { email: 'a@example.com' },
    });
    expect(await users.countDocuments()).toBe(1);
  });

  it('enforces the implicit unique _id_ index', async () => {
    const id = new ObjectId();
    await users.insertOne({ _id: id });
    await expect(users.insertOne({ _id: id })).rejects.toMatchObject({
      code: 11000,
      message: `E11000 duplicate key error collection: cat.users index: _id_ dup key: { _id: ObjectId('${id.toHexString()}') }`,
      keyValue: { _id: id },
    });
  });

  it('stops ordered batches at the first duplicate and continues unordered ones', async () => {
    await createIndex(users, { email: 1 }, { unique: true });
    const docs = () => [{ email: 'x' }, { email: 'x' }, { email: 'y' }];
    const ordered = await users.insertMany(docs()).catch((e: unknown) => e);
    expect(ordered).toBeInstanceOf(MongoBulkWriteError);
    expect(ordered).toMatchObject({ code: 11000, result: { insertedCount: 1 } });
    await users.deleteMany({});
    const unordered = await users.insertMany(docs(), { ordered: false }).catch((e: unknown) => e);
    expect(unordered).toMatchObject({ code: 11000, result: { insertedCount: 2 } });
    expect((unordered as MongoBulkWriteError).writeErrors).toHaveLength(1);
  });

  it('treats compound unique keys as a whole and missing fields as null', async () => {
    expect(await createIndex(users, { tenant: 1, login: -1 }, { unique: true })).toBe('tenant_1_login_-1');
    await users.insertMany([
      { tenant: 't1', login: 'bob' },
      { tenant: 't2', login: 'bob' },
      { tenant: 't1' },
    ]);
    await expect(users.insertOne({ tenant: 't1', login: 'bob' })).rejects.toMatchObject({
      code: 11000,
      keyPattern: { tenant: 1, login: -1 },
      keyValue: { tenant: 't1', login: 'bob' },
      message: expect.stringContaining('dup key: { tenant: "t1", login: "bob" }') as unknown,
    });
    await expect(users.insertOne({ tenant: 't1', login: null })).rejects.toMatchObject({ code: 11000 });
    await createIndex(users, { nick: 1 }, { unique: true, sparse: true });
    await users.insertMany([{ tenant: 't3' }, { tenant: 't4' }]);
    expect(await users.countDocuments()).toBe(5);
  });

  it('rejects updates and upserts that would duplicate a key, leaving documents unchanged', async () => {
    await createIndex(users, { email: 1 }, { unique: true });
    await users.insertMany([
      { email: 'a', n: 1 },
      { email: 'b', n: 2 },
    ]);
    await expect(users.updateOne({ email: 'b' }, { $set: { email: 'a' } })).rejects.toMatchObject({
      code: 11000,
    });
    await expect(
      users.updateOne({ n: 99 }, { $set: { email: 'a' } }, { upsert: true }),
    ).rejects.toMatchObject({
      code: 11000,
    });
    await expect(users.findOneAndUpdate({ email: 'b' }, { $set: { email: 'a' } })).rejects.toMatchObject({
      code: 11000,
      keyValue: { email: 'a' },
    });
    expect(
      await users
        .find({}, { projection: { _id: 0 } })
        .sort({ n: 1 })
        .toArray(),
    ).toEqual([
      { email: 'a', n: 1 },
      { email: 'b', n: 2 },
    ]);
    await users.updateOne({ email: 'b' }, { $set: { email: 'c' } });
    await users.insertOne({ email: 'b' });
    expect(await users.countDocuments()).toBe(3);
  });

  it('refuses a unique index over existing duplicates and treats an identical index as a no-op', async () => {
    await users.insertMany([{ email: 'same' }, { email: 'same' }]);
    await expect(createIndex(users, { email: 1 }, { unique: true })).rejects.toMatchObject({ code: 11000 });
    expect((await users.indexes()).map((index) => index.name)).toEqual(['_id_']);

    await createIndex(users, { email: 1 });
    await expect(
      db.command({ createIndexes: 'users', indexes: [{ key: { email: 1 }, name: 'email_1' }] }),
    ).resolves.toMatchObject({ numIndexesBefore: 2, numIndexesAfter: 2, note: 'all indexes already exist' });
    await expect(createIndex(users, { other: 1 }, { name: 'email_1' })).rejects.toMatchObject({ code: 86 });
    await expect(createIndex(users, { email: 1 }, { name: 'another' })).rejects.toMatchObject({ code: 85 });
    await expect(createIndex(users, { email: 1 }, { unique: true })).rejects.toMatchObject({ code: 85 });
    await expect(createIndex(users, { email: 'sideways' })).rejects.toMatchObject({ code: 67 });
  });

  it('lists and drops indexes, with MongoDB error codes', async () => {
    await users.createIndexes([{ key: { a: 1 } }, { key: { b: -1 }, name: 'b_desc' }, { key: { c: 1 } }]);
    expect(await users.listIndexes().toArray()).toEqual([
      { v: 2, key: { _id: 1 }, name: '_id_' },
      { v: 2, key: { a: 1 }, name: 'a_1' },
      { v: 2, key: { b: -1 }, name: 'b_desc' },
      { v: 2, key: { c: 1 }, name: 'c_1' },
    ]);
    await users.dropIndex('b_desc');
    await expect(db.command({ dropIndexes: 'users', index: { c: 1 } })).resolves.toMatchObject({
      nIndexesWas: 3,
    });
    await expect(users.dropIndex('nope')).rejects.toMatchObject({ code: 27, codeName: 'IndexNotFound' });
    await expect(users.dropIndex('_id_')).rejects.toMatchObject({ code: 72 });
    await users.dropIndexes();
    expect((await users.indexes()).map((index) => index.name)).toEqual(['_id_']);
    await expect(db.collection('ghost').listIndexes().toArray()).rejects.toMatchObject({
      code: 26,
      codeName: 'NamespaceNotFound',
    });
    await expect(db.command({ dropIndexes: 'ghost', index: '*' })).rejects.toMatchObject({ code: 26 });
  });

  it('creates, lists and drops collections and databases', async () => {
    await db.createCollection('alpha');
    await db.collection('beta').insertOne({ x: 1 });
    await expect(db.createCollection('alpha')).rejects.toMatchObject({
      code: 48,
      codeName: 'NamespaceExists',
    });
    expect(await db.listCollections().toArray()).toEqual([
      {
        name: 'alpha',
        type: 'collection',
        options: {},
        info: { readOnly: false },
        idIndex: expect.anything(),
      },
      expect.objectContaining({ name: 'beta', type: 'collection' }),
    ]);
    expect(await db.listCollections({ name: 'beta' }, { nameOnly: true }).toArray()).toEqual([
      { name: 'beta', type: 'collection' },
    ]);
    const databases = await client.db('admin').admin().listDatabases();
    expect(databases.databases.map((entry) => entry.name)).toContain('cat');

    expect(await db.collection('alpha').drop()).toBe(true);
    // MongoDB 7.0 answers ok for dropping a collection that does not exist.
    expect(await db.command({ drop: 'alpha' })).toEqual({ ok: 1 });
    expect(await db.dropDatabase()).toBe(true);
    expect(await db.listCollections().toArray()).toEqual([]);
  });

  it('deletes documents whose TTL date has passed, earliest date of an array, never non-dates', async () => {
    const now = new Date('2030-01-01T00:00:00Z');
    const ago = (seconds: number) => new Date(now.getTime() - seconds * 1000);
    const sessions = db.collection('sessions');
    await createIndex(sessions, { at: 1 }, { expireAfterSeconds: 60 });
    await sessions.insertMany([
      { name: 'old', at: ago(61) },
      { name: 'exactly', at: ago(60) },
      { name: 'fresh', at: ago(59) },
      { name: 'array', at: [ago(1), ago(3600)] },
      { name: 'string', at: 'yesterday' },
      { name: 'none' },
    ]);
    expect(server.sweepExpired(now)).toBe(3);
    expect((await sessions.find().toArray()).map((document) => String(document.name))).toEqual([
      'fresh',
      'string',
      'none',
    ]);
    expect(server.sweepExpired(now)).toBe(0);
  });

  it('runs the TTL sweep on its own timer', async () => {
    const ttlServer = await EmbeddedMongoServer.start({ ttlSweepMs: 20 });
    const ttlClient = await new MongoClient(ttlServer.uri).connect();
    try {
      const events = ttlClient.db('ttl').collection('events');
      await createIndex(events, { at: 1 }, { expireAfterSeconds: 0 });
      await events.insertOne({ at: new Date(Date.now() - 1000) });
      for (let waited = 0; (await events.countDocuments()) > 0; waited += 20) {
        if (waited > 10_000) throw new Error('TTL timer never deleted the expired document');
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect(await events.countDocuments()).toBe(0);
    } finally {
      await ttlClient.close();
      await ttlServer.stop();
    }
  });
});
