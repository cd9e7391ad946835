import { appendFileSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from '@jest/globals';
import { type Collection, MongoClient } from 'mongodb';
import { EmbeddedMongoServer } from './embedded-mongo.server.js';
import { journalGenerations } from './journal.js';

/**
 * The journal: every acknowledged write is in it before the reply, so a server that never wrote
 * its snapshot (killed) comes back with everything it acknowledged. A second server on the same
 * directory stands for the restart after a kill: the first never stopped, so never saved.
 */

const servers: EmbeddedMongoServer[] = [];
const clients: MongoClient[] = [];
const dirs: string[] = [];
const warnings: string[] = [];

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  // Later ones first: the first server's final snapshot must not land before the check is done.
  for (const server of servers.splice(0).reverse()) await server.stop();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  warnings.length = 0;
});

async function start(dataDir: string): Promise<EmbeddedMongoServer> {
  const server = await EmbeddedMongoServer.start({
    dataDir,
    journalFsync: 'always',
    snapshotIntervalMs: 3_600_000,
    logger: { warn: (m) => warnings.push(m) },
  });
  servers.push(server);
  return server;
}

async function connect(server: EmbeddedMongoServer): Promise<MongoClient> {
  const client = await MongoClient.connect(server.uri);
  clients.push(client);
  return client;
}

interface Item {
  _id: number;
  key?: string;
  n?: number;
}
const itemsOf = (client: MongoClient): Collection<Item> => client.db('journal').collection<Item>('items');
const contents = async (client: MongoClient): Promise<Item[]> =>
  itemsOf(client).find({}).sort({ _id: 1 }).toArray();

function newDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'embedded-journal-'));
  dirs.push(dir);
  return dir;
}

describe('the embedded store journal', () => {
  it('brings back every acknowledged write after a kill, inserts, updates, deletes and indexes alike', async () => {
    const dir = newDir();
    const first = await connect(await start(dir));
    const items = itemsOf(first);
    await items.createIndexes([{ key: { key: 1 }, unique: true }]);
    await items.insertMany(Array.from({ length: 50 }, (_, i) => ({ _id: i, key: `k${i}`, n: i })));
    await items.updateMany({ n: { $gte: 40 } }, { $inc: { n: 1000 } });
    await items.deleteMany({ n: { $lt: 5 } });
    await items.replaceOne({ _id: 7 }, { key: 'seven', n: 7.5 });
    const acknowledged = await contents(first);

    const again = await connect(await start(dir));

    expect(await contents(again)).toEqual(acknowledged);
    // The unique index came back too.
    await expect(itemsOf(again).insertOne({ _id: 99, key: 'seven' })).rejects.toThrow(/E11000/);
    expect(warnings).toContainEqual(
      expect.stringMatching(/^embedded-mongo: replayed \d+ journaled write\(s\)/),
    );
  });

  it('replays only what came after the snapshot, and drops the journal the snapshot covers', async () => {
    const dir = newDir();
    const server = await start(dir);
    const first = await connect(server);
    const items = itemsOf(first);
    await items.insertMany([{ _id: 1 }, { _id: 2 }]);
    await server.saveSnapshot();
    const afterSnapshot = journalGenerations(dir);
    await items.insertOne({ _id: 3 });
    await items.deleteOne({ _id: 1 });

    const again = await connect(await start(dir));

    expect(afterSnapshot).toHaveLength(1);
    expect(await contents(again)).toEqual([{ _id: 2 }, { _id: 3 }]);
    expect(warnings).toContainEqual('embedded-mongo: replayed 2 journaled write(s) after the snapshot');
  });

  it('ignores a command cut short at the end of the journal (never acknowledged), keeping the rest', async () => {
    const dir = newDir();
    const first = await connect(await start(dir));
    await itemsOf(first).insertOne({ _id: 1 });
    const [generation] = journalGenerations(dir);
    const file = readdirSync(dir).find((name) => name.includes(String(generation).padStart(10, '0')));
    // The first bytes of a BSON document announcing 200 bytes, and then nothing.
    appendFileSync(join(dir, file ?? ''), Buffer.from([200, 0, 0, 0, 3, 105]));

    const again = await connect(await start(dir));

    expect(await contents(again)).toEqual([{ _id: 1 }]);
    expect(warnings).toContainEqual(
      'embedded-mongo: ignored 6 byte(s) at the end of the journal: a write cut short, never acknowledged',
    );
  });
});
