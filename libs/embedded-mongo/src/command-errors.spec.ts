import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Long, MongoClient, type Db, type Document } from 'mongodb';
import { EmbeddedMongoServer } from './embedded-mongo.server.js';
import { ErrorCode } from './index.js';

describe('EmbeddedMongoServer argument validation', () => {
  let server: EmbeddedMongoServer;
  let client: MongoClient;
  let db: Db;

  beforeAll(async () => {
    server = await EmbeddedMongoServer.start({ logger: { warn: () => undefined } });
    client = await new MongoClient(server.uri).connect();
    db = client.db('checks');
    await db.collection('things').insertMany([{ a: 1 }, { a: 2 }, { a: 3 }]);
  });

  afterAll(async () => {
    await client.close();
    await server.stop();
  });

  it.each<[string, Document, number]>([
    ['find with a numeric skip below zero', { find: 'things', skip: -1 }, ErrorCode.BadValue],
    ['find with a non-numeric limit', { find: 'things', limit: 'ten' }, ErrorCode.TypeMismatch],
    ['find with a non-boolean singleBatch', { find: 'things', singleBatch: 'yes' }, ErrorCode.TypeMismatch],
    ['find on an empty collection name', { find: '' }, ErrorCode.InvalidNamespace],
    ['insert without documents', { insert: 'things' }, ErrorCode.FailedToParse],
    ['insert with a non-document entry', { insert: 'things', documents: [1] }, ErrorCode.TypeMismatch],
    ['getMore with a string id', { getMore: 'abc', collection: 'things' }, ErrorCode.TypeMismatch],
    ['getMore without a collection', { getMore: Long.fromNumber(1) }, ErrorCode.TypeMismatch],
    ['killCursors without cursors', { killCursors: 'things' }, ErrorCode.TypeMismatch],
    [
      'aggregate on a number other than 1',
      { aggregate: 2, pipeline: [], cursor: {} },
      ErrorCode.TypeMismatch,
    ],
    [
      'aggregate with a two-field stage',
      { aggregate: 'things', pipeline: [{ $match: {}, $sort: { a: 1 } }], cursor: {} },
      ErrorCode.FailedToParse,
    ],
    [
      'aggregate with explain',
      { aggregate: 'things', pipeline: [], explain: true },
      ErrorCode.CommandNotSupported,
    ],
    [
      'aggregate with an unknown stage',
      { aggregate: 'things', pipeline: [{ $frobnicate: {} }], cursor: {} },
      ErrorCode.BadValue,
    ],
    ['distinct without a string key', { distinct: 'things', key: 1 }, ErrorCode.TypeMismatch],
    [
      'update with multi replacement',
      { update: 'things', updates: [{ q: {}, u: { a: 1 }, multi: true }] },
      -1,
    ],
    ['createIndexes without indexes', { createIndexes: 'things', indexes: [] }, ErrorCode.BadValue],
    [
      'createIndexes with a compound TTL',
      { createIndexes: 'things', indexes: [{ key: { a: 1, b: 1 }, name: 'ab', expireAfterSeconds: 5 }] },
      ErrorCode.CannotCreateIndex,
    ],
    [
      'createIndexes with a negative TTL',
      { createIndexes: 'things', indexes: [{ key: { a: 1 }, name: 'a', expireAfterSeconds: -5 }] },
      ErrorCode.CannotCreateIndex,
    ],
    [
      'createIndexes with an empty key',
      { createIndexes: 'things', indexes: [{ key: {}, name: 'x' }] },
      ErrorCode.CannotCreateIndex,
    ],
    [
      'createIndexes with a numeric name',
      { createIndexes: 'things', indexes: [{ key: { a: 1 }, name: 5 }] },
      ErrorCode.TypeMismatch,
    ],
    [
      'createIndexes with a non-document spec',
      { createIndexes: 'things', indexes: ['a'] },
      ErrorCode.TypeMismatch,
    ],
    [
      'createIndexes with a bad partial filter',
      { createIndexes: 'things', indexes: [{ key: { a: 1 }, name: 'p', partialFilterExpression: 1 }] },
      ErrorCode.TypeMismatch,
    ],
    [
      'createIndexes unique on _id',
      { createIndexes: 'things', indexes: [{ key: { _id: 1 }, name: '_id_', unique: true }] },
      ErrorCode.InvalidIndexSpecificationOption,
    ],
    ['dropIndexes with a number', { dropIndexes: 'things', index: 5 }, ErrorCode.TypeMismatch],
    [
      'dropIndexes with an unknown name in a list',
      { dropIndexes: 'things', index: ['nope'] },
      ErrorCode.IndexNotFound,
    ],
    ['dropIndexes by an unknown key', { dropIndexes: 'things', index: { zzz: 1 } }, ErrorCode.IndexNotFound],
    ['create a view', { create: 'v', viewOn: 'things', pipeline: [] }, ErrorCode.CommandNotSupported],
    ['create with a $ name', { create: '$bad' }, ErrorCode.InvalidNamespace],
    ['abortTransaction', { abortTransaction: 1 }, ErrorCode.IllegalOperation],
  ])('answers %s with an error reply', async (_label, command, code) => {
    if (code === -1) {
      await expect(db.command(command)).resolves.toMatchObject({
        n: 0,
        writeErrors: [{ code: ErrorCode.FailedToParse }],
      });
      return;
    }
    const error = await db.command(command).catch((e: unknown) => e);
    expect(error).toMatchObject({ code, ok: 0 });
  });

  it('accepts valid variants of the same commands', async () => {
    await expect(
      db.command({ aggregate: 1, pipeline: [{ $documents: [{ x: 1 }] }], cursor: {} }),
    ).resolves.toMatchObject({
      cursor: { firstBatch: [{ x: 1 }] },
    });
    await expect(
      db.command({
        createIndexes: 'things',
        indexes: [
          { key: { body: 'text' }, name: 'body_text' },
          {
            key: { a: 1 },
            name: 'pa',
            partialFilterExpression: { a: { $gt: 1 } },
            unique: true,
            sparse: true,
          },
        ],
      }),
    ).resolves.toMatchObject({ numIndexesAfter: 3, createdCollectionAutomatically: false });
    await expect(db.command({ dropIndexes: 'things', index: ['body_text', 'pa'] })).resolves.toMatchObject({
      nIndexesWas: 3,
    });
    await expect(db.command({ find: 'things', singleBatch: 1, batchSize: 1 })).resolves.toMatchObject({
      cursor: { id: 0 },
    });
    await expect(db.command({ find: 'things', batchSize: 0 })).resolves.toMatchObject({
      cursor: { firstBatch: [] },
    });
    await expect(client.db('admin').command({ listDatabases: 1, nameOnly: true })).resolves.toMatchObject({
      databases: [{ name: 'checks' }],
    });
    await expect(db.command({ getMore: Long.fromNumber(1), collection: 'things' })).rejects.toMatchObject({
      code: 43,
    });
  });

  it('refuses a getMore from another namespace', async () => {
    const first = await db.command({ find: 'things', batchSize: 1 });
    const id = (first.cursor as { id: Long }).id;
    await expect(db.command({ getMore: id, collection: 'other' })).rejects.toMatchObject({
      code: ErrorCode.Unauthorized,
    });
    await db.command({ killCursors: 'things', cursors: [id] });
  });
});
