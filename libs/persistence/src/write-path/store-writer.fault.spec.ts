/**
 * The write path under a real outage: the embedded store is stopped in the middle of a stream
 * of writes and restarted on the same port with the same data directory. Every accepted write
 * must arrive exactly once, in the order accepted.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import mongoose from 'mongoose';
import { EmbeddedMongoServer } from '@app/embedded-mongo';
import { eventually, freePort } from '@app/testing';
import type { StoredResult } from '../persistence.types.js';
import { COLLECTIONS } from '../schemas/store.schemas.js';
import { StoreWriter } from './store-writer.js';
import { indexedRepositories } from '../testing/test-repositories.js';

const T0 = Date.UTC(2021, 1, 19);
const TOTAL = 200;

function result(i: number): StoredResult {
  return {
    exchange: 'binance',
    symbol: 'BTC/USDT',
    timeframe: '1m',
    candleTime: T0 + i * 60_000,
    computedAt: T0 + (i + 1) * 60_000,
    score: 50,
    label: 'NEUTRAL',
    confidence: 10,
    coverage: 0.4,
    staleness: 0,
    engineVersion: '1.0.0',
    configHash: 'c'.repeat(64),
    inputHash: String(i).padStart(64, '0'),
    format: 1,
    result: { i },
  };
}

const dataDir = mkdtempSync(path.join(tmpdir(), 'confluence-fault-'));
afterAll(() => {
  rmSync(dataDir, { recursive: true, force: true });
});

describe('StoreWriter through a store outage', () => {
  it('delivers every accepted write exactly once, in order, across a stop and restart', async () => {
    const port = await freePort();
    let server = await EmbeddedMongoServer.start({ port, dataDir });
    const connection = mongoose.createConnection(server.uri, {
      dbName: 'fault',
      serverSelectionTimeoutMS: 300,
      bufferCommands: false,
    });
    await connection.asPromise();
    const repos = await indexedRepositories(connection);
    const logs: string[] = [];
    const writer = new StoreWriter({
      capacity: TOTAL,
      retryBaseMs: 10,
      retryMaxMs: 200,
      logger: { warn: (m) => logs.push(m), error: (m) => logs.push(m) },
    });
    const landed: number[] = [];
    const enqueue = (from: number, to: number) => {
      for (let i = from; i < to; i++) {
        const accepted = writer.enqueue({
          describe: `result ${i}`,
          run: async () => {
            await repos.results.save(result(i), T0);
            landed.push(i);
          },
        });
        expect(accepted).toBe(true);
      }
    };

    try {
      enqueue(0, 100);
      await eventually(() => landed.length >= 40, 'the first writes');
      await server.stop();
      enqueue(100, TOTAL);
      await eventually(() => writer.status().state === 'down', 'the writer to notice the outage');
      expect(writer.status().pending).toBeGreaterThan(0);

      server = await EmbeddedMongoServer.start({ port, dataDir });
      await writer.flush();

      expect(landed).toEqual(Array.from({ length: TOTAL }, (_, i) => i));
      expect(writer.status()).toMatchObject({
        state: 'up',
        accepted: TOTAL,
        written: TOTAL,
        dropped: 0,
        pending: 0,
      });
      expect(writer.status().retries).toBeGreaterThan(0);
      const stored = await connection
        .collection(COLLECTIONS.results)
        .find({}, { projection: { _id: 0, 'result.i': 1 } })
        .toArray();
      expect(stored.map((d) => (d.result as { i: number }).i).sort((a, b) => a - b)).toEqual(landed);
      expect(logs.some((l) => l.startsWith('store unreachable'))).toBe(true);
    } finally {
      await connection.close();
      await server.stop();
    }
  });
});
