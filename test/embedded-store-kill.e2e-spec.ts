import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { MongoClient } from 'mongodb';
import { Processes, requireBuilt, STORE_ENTRY } from './process-kit.js';

/**
 * The standalone embedded store with a data dir (`npm run store:embedded -- --data-dir …`),
 * SIGKILLed while a client writes as fast as it can: started again on the same directory, it has
 * every write it acknowledged (its journal, fsync every second, was written before each reply).
 * Needs `npm run build`.
 */

const processes = new Processes();
const dataDir = mkdtempSync(join(tmpdir(), 'embedded-kill-'));

afterAll(async () => {
  await processes.killAll();
  rmSync(dataDir, { recursive: true, force: true });
});

beforeAll(() => {
  requireBuilt([STORE_ENTRY]);
});

const startStore = (): ReturnType<Processes['embeddedStore']> =>
  processes.embeddedStore(['--data-dir', dataDir]);

interface Write {
  _id: number;
  batch: number;
}

describe('the embedded store killed mid-write', () => {
  it('comes back with every write it acknowledged', async () => {
    const { store, uri } = await startStore();
    const client = await MongoClient.connect(uri, { retryWrites: false, serverSelectionTimeoutMS: 2_000 });
    const writes = client.db('durability').collection<Write>('writes');
    const acknowledged: number[] = [];
    let next = 0;
    // Four writers, each awaiting its acknowledgement before the next write, until the kill.
    const writer = async (): Promise<void> => {
      for (;;) {
        const id = next++;
        try {
          if (id % 2 === 0) await writes.insertOne({ _id: id, batch: 0 });
          else await writes.updateOne({ _id: id }, { $set: { batch: 1 } }, { upsert: true });
        } catch {
          return; // the kill
        }
        acknowledged.push(id);
      }
    };
    const writers = Promise.all([writer(), writer(), writer(), writer()]);
    await new Promise<void>((resolve) => {
      const check = setInterval(() => {
        if (acknowledged.length >= 500) {
          clearInterval(check);
          resolve();
        }
      }, 5);
    });
    store.signal('SIGKILL');
    expect(await store.exited).toEqual({ code: null, signal: 'SIGKILL' });
    await writers;
    await client.close(true);

    const restarted = await startStore();
    const again = await MongoClient.connect(restarted.uri);
    try {
      const present = new Set(
        (await again.db('durability').collection<Write>('writes').find({}).toArray()).map((w) => w._id),
      );
      expect(acknowledged.length).toBeGreaterThanOrEqual(500);
      expect(acknowledged.filter((id) => !present.has(id))).toEqual([]);
      expect(restarted.store.stderr).toMatch(/replayed \d+ journaled write\(s\) after the snapshot/);
    } finally {
      await again.close();
    }
  });
});
