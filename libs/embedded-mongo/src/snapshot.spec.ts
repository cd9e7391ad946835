import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  Long,
  MongoClient,
  ObjectId,
  type Collection,
  type CreateIndexesOptions,
  type IndexSpecification,
} from 'mongodb';
import { EmbeddedMongoServer } from './embedded-mongo.server.js';
import { decodeSnapshot, SNAPSHOT_FILE } from './snapshot.js';

const createIndex = (
  collection: Collection,
  keys: IndexSpecification,
  options: CreateIndexesOptions,
): Promise<string> => collection.createIndex(keys, options, {});

async function withClient<T>(
  server: EmbeddedMongoServer,
  use: (client: MongoClient) => Promise<T>,
): Promise<T> {
  const client = await new MongoClient(server.uri).connect();
  try {
    return await use(client);
  } finally {
    await client.close();
  }
}

describe('EmbeddedMongoServer snapshots (dataDir)', () => {
  let root: string;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'embedded-mongo-'));
  });

  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('keeps documents and indexes across a restart, and the unique index is still enforced', async () => {
    const dataDir = join(root, 'restart');
    const id = new ObjectId();
    const at = new Date('2024-02-03T04:05:06.789Z');
    const first = await EmbeddedMongoServer.start({ dataDir });
    await withClient(first, async (client) => {
      const accounts = client.db('app').collection('accounts');
      await createIndex(accounts, { email: 1 }, { unique: true });
      await createIndex(accounts, { seenAt: 1 }, { expireAfterSeconds: 3600 });
      await accounts.insertMany([
        { _id: id, email: 'a@example.com', seenAt: at, visits: Long.fromString('9007199254740993') },
        { email: 'b@example.com' },
      ]);
      await client.db('other').createCollection('empty');
    });
    await first.stop();

    const second = await EmbeddedMongoServer.start({ dataDir });
    try {
      await withClient(second, async (client) => {
        const accounts = client.db('app').collection('accounts');
        const restored = await client
          .db('app', { promoteLongs: false })
          .collection('accounts')
          .findOne({ _id: id });
        expect(restored).toEqual({
          _id: id,
          email: 'a@example.com',
          seenAt: at,
          visits: Long.fromString('9007199254740993'),
        });
        expect(await accounts.countDocuments()).toBe(2);
        expect(await accounts.indexes()).toEqual([
          { v: 2, key: { _id: 1 }, name: '_id_' },
          { v: 2, key: { email: 1 }, name: 'email_1', unique: true },
          { v: 2, key: { seenAt: 1 }, name: 'seenAt_1', expireAfterSeconds: 3600 },
        ]);
        await expect(accounts.insertOne({ email: 'a@example.com' })).rejects.toMatchObject({ code: 11000 });
        expect(await client.db('other').listCollections().toArray()).toHaveLength(1);
      });
    } finally {
      await second.stop();
    }
  });

  it('saves on its interval only when something changed', async () => {
    const dataDir = join(root, 'interval');
    const file = join(dataDir, SNAPSHOT_FILE);
    const server = await EmbeddedMongoServer.start({ dataDir, snapshotIntervalMs: 20 });
    try {
      await withClient(server, (client) => client.db('app').collection('ticks').insertOne({ n: 1 }));
      let size = 0;
      for (let waited = 0; size === 0; waited += 20) {
        if (waited > 10_000) throw new Error('no snapshot was written');
        await new Promise((resolve) => setTimeout(resolve, 20));
        size = await stat(file).then(
          (stats) => stats.size,
          () => 0,
        );
      }
      const storage = decodeSnapshot(await readFile(file));
      expect(storage.collection('app', 'ticks')?.size).toBe(1);

      const before = (await stat(file)).mtimeMs;
      await server.saveSnapshot();
      expect((await stat(file)).mtimeMs).toBe(before);
    } finally {
      await server.stop();
    }
  });

  it('refuses to start on an unreadable snapshot instead of overwriting it', async () => {
    const dataDir = join(root, 'corrupt');
    await EmbeddedMongoServer.start({ dataDir }).then((server) => server.stop());
    await writeFile(join(dataDir, SNAPSHOT_FILE), Buffer.from('not a snapshot at all'));
    await expect(EmbeddedMongoServer.start({ dataDir })).rejects.toThrow(/snapshot .* is unreadable/);
  });

  it('keeps everything in memory without a dataDir', async () => {
    const server = await EmbeddedMongoServer.start();
    await withClient(server, (client) => client.db('app').collection('volatile').insertOne({ n: 1 }));
    await server.saveSnapshot();
    await server.stop();
    await server.stop();
    const again = await EmbeddedMongoServer.start();
    try {
      await withClient(again, async (client) => {
        expect(await client.db('app').collection('volatile').countDocuments()).toBe(0);
      });
    } finally {
      await again.stop();
    }
  });
});
