import { Redis } from 'ioredis';
import { describe, expect, it } from '@jest/globals';
import { freePort } from '../../../testing/src/spawned-process.js';
import { isTransient, type StoreWrite, StoreWriter } from './store-writer.js';

class NetworkError extends Error {
  override name = 'MongoNetworkError';
}

/** `sleep` records the backoff and returns at once, or never when `stall` (a store that stays down). */
function harness(capacity = 100, stall = false) {
  const logs: string[] = [];
  const sleeps: number[] = [];
  const writer = new StoreWriter({
    capacity,
    retryBaseMs: 100,
    retryMaxMs: 1000,
    logger: { warn: (m) => logs.push(`warn ${m}`), error: (m) => logs.push(`error ${m}`) },
    sleep: (ms) => {
      sleeps.push(ms);
      return stall ? new Promise<void>(() => undefined) : Promise.resolve();
    },
    random: () => 0.999,
  });
  return { writer, logs, sleeps };
}

/** A write that fails `failures` times (with `error`) before succeeding, logging the order of success. */
function write(
  id: number,
  done: number[],
  failures = 0,
  error: Error = new NetworkError('connect ECONNREFUSED'),
): StoreWrite {
  let left = failures;
  return {
    describe: `write ${id}`,
    run: () => {
      if (left-- > 0) return Promise.reject(error);
      done.push(id);
      return Promise.resolve();
    },
  };
}

describe('StoreWriter', () => {
  it('writes in the order accepted', async () => {
    const { writer } = harness();
    const done: number[] = [];
    for (let i = 0; i < 20; i++) expect(writer.enqueue(write(i, done))).toBe(true);
    await writer.flush();
    expect(done).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(writer.status()).toMatchObject({ state: 'up', pending: 0, accepted: 20, written: 20, dropped: 0 });
  });

  it('holds a failing write at the head and retries it with capped exponential backoff, keeping order', async () => {
    const { writer, sleeps, logs } = harness();
    const done: number[] = [];
    writer.enqueue(write(1, done));
    writer.enqueue(write(2, done, 6));
    writer.enqueue(write(3, done));
    await writer.flush();
    expect(done).toEqual([1, 2, 3]);
    // random() = 0.999 → the top of each window: 100·2^n capped at 1000.
    expect(sleeps).toEqual([99, 199, 399, 799, 999, 999]);
    expect(writer.status()).toMatchObject({ state: 'up', retries: 6, written: 3 });
    expect(logs.filter((l) => l.startsWith('warn store unreachable'))).toHaveLength(1);
    expect(logs.some((l) => l.startsWith('warn store reachable again'))).toBe(true);
  });

  it('reports the store down with the last error while it retries', async () => {
    const { writer } = harness(100, true);
    writer.enqueue({ describe: 'never', run: () => Promise.reject(new NetworkError('connection refused')) });
    await new Promise((resolve) => setImmediate(resolve));
    expect(writer.status()).toMatchObject({
      state: 'down',
      lastError: 'connection refused',
      pending: 1,
      written: 0,
    });
    writer.close();
  });

  it('counts a duplicate key as written (the write had landed before its acknowledgement was lost)', async () => {
    const { writer } = harness();
    writer.enqueue({
      describe: 'dup',
      run: () => Promise.reject(Object.assign(new Error('E11000 duplicate key error'), { code: 11000 })),
    });
    await writer.flush();
    expect(writer.status()).toMatchObject({ written: 1, rejected: 0, retries: 0 });
  });

  it('skips and logs a write the store rejects as invalid, without blocking the ones behind it', async () => {
    const { writer, logs } = harness();
    const done: number[] = [];
    writer.enqueue(write(1, done, 1, new Error('Validation failed: score: must be ≤ 100')));
    writer.enqueue(write(2, done));
    await writer.flush();
    expect(done).toEqual([2]);
    expect(writer.status()).toMatchObject({ rejected: 1, written: 1 });
    expect(writer.status().lost).toEqual([{ at: expect.any(Number), kind: 'rejected', what: 'write 1' }]);
    expect(logs).toContainEqual(
      expect.stringMatching(/^error store rejected a write, not retrying: write 1: Validation failed/),
    );
  });

  it('names what is still unwritten, and once abandoned makes no further attempt (nor log line)', async () => {
    const { writer, logs } = harness();
    let fail: (error: Error) => void = () => undefined;
    const attempts: string[] = [];
    writer.enqueue({
      describe: 'results a',
      run: () => {
        attempts.push('a');
        return new Promise<void>((_, reject) => {
          fail = reject;
        });
      },
    });
    writer.enqueue({
      describe: 'results b',
      run: () => {
        attempts.push('b');
        return Promise.resolve();
      },
    });
    expect(writer.unwritten()).toEqual({ inFlight: 'results a', waiting: ['results b'] });

    writer.abandon();
    // The write in flight fails as the connection closes: not retried, not rejected, not logged.
    fail(new Error('Client must be connected before running operations'));
    await writer.flush();

    expect(attempts).toEqual(['a']);
    expect(writer.status()).toMatchObject({ rejected: 0, written: 0, pending: 2 });
    expect(logs).toEqual([]);
    expect(writer.enqueue({ describe: 'c', run: () => Promise.resolve() })).toBe(false);
  });

  it('refuses, counts and logs writes beyond its capacity, and after close', async () => {
    const { writer, logs } = harness(2);
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    expect(writer.enqueue({ describe: 'a', run: () => gate })).toBe(true);
    expect(writer.enqueue({ describe: 'b', run: () => Promise.resolve() })).toBe(true);
    expect(writer.enqueue({ describe: 'c', run: () => Promise.resolve() })).toBe(false);
    expect(writer.status()).toMatchObject({ dropped: 1, pending: 2 });
    expect(logs).toContainEqual(
      'error store write dropped, the write buffer is full (2): c (dropped so far: 1)',
    );
    release();
    await writer.flush();
    writer.close();
    expect(writer.enqueue({ describe: 'd', run: () => Promise.resolve() })).toBe(false);
    expect(writer.status()).toMatchObject({ dropped: 2, written: 2 });
    // Listed for /health/analysis-worker, naming what each held.
    expect(writer.status().lost).toEqual([
      { at: expect.any(Number), kind: 'dropped', what: 'c' },
      { at: expect.any(Number), kind: 'dropped', what: 'd' },
    ]);
  });

  it('lists the newest 50 lost writes, oldest first, with when each was lost', () => {
    let now = 1_000;
    const writer = new StoreWriter({
      capacity: 0,
      retryBaseMs: 1,
      retryMaxMs: 1,
      logger: { warn: () => undefined, error: () => undefined },
      now: () => now++,
    });
    for (let i = 0; i < 60; i++) writer.enqueue({ describe: `w${i}`, run: () => Promise.resolve() });
    const { lost, dropped } = writer.status();
    expect(dropped).toBe(60);
    expect(lost.map((l) => l.what)).toEqual(Array.from({ length: 50 }, (_, i) => `w${i + 10}`));
    expect(lost[0]?.at).toBe(1_010);
  });
});

describe('isTransient', () => {
  it.each<[unknown, boolean]>([
    [new NetworkError('x'), true],
    [Object.assign(new Error('x'), { name: 'MongoServerSelectionError' }), true],
    [Object.assign(new Error('x'), { errorLabels: ['RetryableWriteError'] }), true],
    [new Error('connect ECONNREFUSED 127.0.0.1:27017'), true],
    [new Error('Operation `results.replaceOne()` buffering timed out after 5000ms'), true],
    [new Error('Connection is closed.'), true],
    [new Error('LOADING Redis is loading the dataset in memory'), true],
    [new Error('redis: no reply within 5000ms'), true],
    [new Error('Validation failed'), false],
    [Object.assign(new Error('E11000'), { code: 11000 }), false],
    ['a string', false],
    [null, false],
  ])('%p → %p', (error, expected) => {
    expect(isTransient(error)).toBe(expected);
  });

  it("takes the error ioredis gives up with while Redis is away as transient (a worker's checkpoint)", async () => {
    // A port nothing listens on.
    const redis = new Redis({
      host: '127.0.0.1',
      port: await freePort(),
      maxRetriesPerRequest: 1,
      retryStrategy: () => 10,
    });
    redis.on('error', () => undefined);
    try {
      const error = await redis.set('checkpoint', '1').then(
        () => null,
        (reason: unknown) => reason,
      );
      expect(error).toMatchObject({ name: 'MaxRetriesPerRequestError' });
      expect(isTransient(error)).toBe(true);
    } finally {
      redis.disconnect();
    }
  });
});
