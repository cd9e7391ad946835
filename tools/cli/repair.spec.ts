import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { loadConfig } from '@app/config';
import { createRepositories, MODEL_NAMES, type StoredCandle, type StoreRepositories } from '@app/persistence';
import { loadMarketCandles, MARKET_FILES, PROJECT_CONFIG_DIR } from '@app/testing';
// By path: the testing index leaves mongoose and the embedded server out.
import { openTestStore, type TestStore } from '../../libs/testing/src/test-store.js';
import { type RepairIo, runRepair } from './repair.js';

/** `cli repair` on a store holding 400 real 1m candles of BTC/USDT and none of their results. */

const candles = loadMarketCandles(MARKET_FILES.btc1m, 400);
const first = candles[0]?.timestamp ?? 0;
const last = candles.at(-1)?.timestamp ?? 0;

/** A bundled candle as market-data stores it. */
const stored = (candle: (typeof candles)[number]): StoredCandle => ({
  exchange: 'binance',
  symbol: 'BTC/USDT',
  timeframe: '1m',
  ...candle,
  source: 'replay',
});

let store: TestStore;
let repos: StoreRepositories;

beforeAll(async () => {
  store = await openTestStore();
  repos = createRepositories(await store.connect(), {
    resultsRetentionDays: 30,
    signalsRetentionDays: 365,
    orderBookRetentionDays: 90,
  });
  await repos.candles.upsertMany(candles.map(stored));
});

afterAll(async () => {
  await store.close();
});

function harness(env: Record<string, string> = { MONGODB_URI: store.uri }) {
  const out: string[] = [];
  const err: string[] = [];
  let opened = 0;
  let closed = 0;
  const io: RepairIo = {
    stdout: (text) => out.push(text),
    stderr: (text) => err.push(text),
    loadConfig: () => loadConfig({ env: { NODE_ENV: 'test', CONFIG_DIR: PROJECT_CONFIG_DIR, ...env } }),
    now: Date.now,
    openStore: () => {
      opened++;
      return Promise.resolve({
        repos,
        close: () => {
          closed++;
          return Promise.resolve();
        },
      });
    },
  };
  return { io, out: () => out.join(''), err: () => err.join(''), stores: () => ({ opened, closed }) };
}

const market = ['--exchange', 'binance', '--symbol', 'BTC/USDT'];

describe('cli repair', () => {
  it('stores the missing results of the range, then finds the range whole; a dry run only counts', async () => {
    const range = ['--from', new Date(first).toISOString(), '--to', String(last)];
    const dry = harness();
    expect(await runRepair([...market, ...range, '--dry-run'], dry.io)).toBe(0);
    expect(
      await repos.results.inputHashes(
        { exchange: 'binance', symbol: 'BTC/USDT', timeframe: '1m' },
        first,
        last,
      ),
    ).toEqual(new Map());
    const counted = /1m: (\d+) recomputed, 0 stored and equal, (\d+) missing \(dry run: not written\)/.exec(
      dry.out(),
    );
    expect(counted?.[1]).toBeDefined();
    expect(counted?.[2]).toBe(counted?.[1]);
    const recomputed = Number(counted?.[1]);
    // Every candle after the engine's warm-up has a result.
    expect(recomputed).toBeGreaterThan(100);
    expect(recomputed).toBeLessThan(400);

    const wet = harness();
    expect(await runRepair([...market, ...range, '--timeframe', '1m'], wet.io)).toBe(0);
    expect(wet.out()).toContain(
      `1m: ${recomputed} recomputed, 0 stored and equal, ${recomputed} missing and stored`,
    );
    expect(wet.out()).toContain('400 stored candle(s) replayed from the first of each stream');
    expect(wet.stores()).toEqual({ opened: 1, closed: 1 });
    const stored = await repos.results.inputHashes(
      { exchange: 'binance', symbol: 'BTC/USDT', timeframe: '1m' },
      first,
      last,
    );
    expect(stored.size).toBe(recomputed);

    const again = harness();
    expect(await runRepair([...market, ...range], again.io)).toBe(0);
    expect(again.out()).toContain(
      `1m: ${recomputed} recomputed, ${recomputed} stored and equal, 0 missing and stored, 0 stored and different`,
    );
  });

  it('exits 1 naming the candles it lacks, and writes nothing computed after the first of them', async () => {
    const gone = candles.slice(300, 310);
    const model = repos.models.find((m) => m.modelName === MODEL_NAMES.candle);
    expect(model).toBeDefined();
    await model?.deleteMany({ timestamp: { $in: gone.map((c) => new Date(c.timestamp)) } });
    try {
      const h = harness();
      expect(await runRepair([...market, '--from', String(first), '--to', String(last)], h.io)).toBe(1);
      const at = (i: number) => new Date(candles[i]?.timestamp ?? 0).toISOString().replace(':00.000Z', 'Z');
      expect(h.out()).toContain(
        `NOT WHOLE: the 1m candle opened ${at(300)} is not stored; the 90 result(s) of the range`,
      );
      expect(h.out()).toContain(
        `NOT WHOLE: 10 1m candle time(s) of the range have no stored candle (${at(300)}..${at(309)} (10)); store those candles first`,
      );
    } finally {
      await repos.candles.upsertMany(gone.map(stored));
    }
  });

  it.each([
    [['--symbol', 'BTC/USDT', '--from', '0', '--to', '1'], '--exchange is required'],
    [[...market, '--to', '1'], '--from is required'],
    [
      [...market, '--from', 'yesterday', '--to', '1'],
      '--from "yesterday" is not a time (ISO 8601 or epoch milliseconds)',
    ],
    [[...market, '--from', '0', '--to', '99999999999999999'], '--to "99999999999999999" is not a time'],
    [[...market, '--from', '5', '--to', '1'], '--from is after --to'],
    [
      [...market, '--from', '0', '--to', '1', '--timeframe', '7m'],
      '--timeframe "7m" is not a known timeframe',
    ],
    [[...market, '--from', '0', '--to', '1', '--force', 'yes'], 'unknown flag --force'],
    [[...market, '--from'], 'expected --flag value pairs, got "--from"'],
  ])('refuses %j with exit code 2, naming the flag, before opening the store', async (args, message) => {
    const h = harness();
    expect(await runRepair(args, h.io)).toBe(2);
    expect(h.err()).toContain(message);
    expect(h.err()).toContain('usage:');
    expect(h.stores().opened).toBe(0);
  });

  it('exits 1, saying why, when the store cannot be opened', async () => {
    const h = harness();
    h.io.openStore = () => Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:1'));
    expect(await runRepair([...market, '--from', '0', '--to', '1'], h.io)).toBe(1);
    expect(h.err()).toBe('cannot open the store: connect ECONNREFUSED 127.0.0.1:1\n');
  });

  it('needs MONGODB_URI, and says so when the market has no stored candles', async () => {
    const noStore = harness({});
    expect(await runRepair([...market, '--from', '0', '--to', '1'], noStore.io)).toBe(2);
    expect(noStore.err()).toBe('repair needs the store to repair: set MONGODB_URI\n');

    const unknown = harness();
    expect(
      await runRepair(
        ['--exchange', 'kraken', '--symbol', 'ETH/USD', '--from', '0', '--to', '1'],
        unknown.io,
      ),
    ).toBe(2);
    expect(unknown.err()).toBe('no stored candles of kraken ETH/USD\n');
    expect(unknown.stores()).toEqual({ opened: 1, closed: 1 });
  });
});
