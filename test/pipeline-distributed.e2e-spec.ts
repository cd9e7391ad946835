import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import { MongoClient } from 'mongodb';
import type { DistributedAnalysisStatus } from '@app/analysis';
import { loadConfig } from '@app/config';
import { createConfluenceEngine } from '@app/confluence';
import { AnalysisEventName, MarketEventName } from '@app/contracts';
import {
  type ConfigFixture,
  createConfigFixture,
  createReplayDataDir,
  eventually,
  freePort,
  loadMarketCandles,
  MARKET_FILES,
  REPO_ROOT,
  type ReplayDataDir,
  SpawnedProcess,
} from '@app/testing';

/**
 * The distributed topology as separate Node processes on the real Redis: an embedded store
 * process (standing in for MongoDB), market-data replaying four markets, two analysis workers
 * and a consumer (bus-tap). One worker is SIGKILLed mid-run; every candle must still be analysed,
 * published exactly once, and stored. Needs `npm run build` (npm test does it).
 */

const REDIS_URL = 'redis://127.0.0.1:6379';
const ENTRIES = {
  store: 'dist/tools/embedded-mongo/main.js',
  tap: 'dist/tools/bus-tap/main.js',
  worker: 'dist/apps/analysis-worker/src/main.js',
  marketData: 'dist/apps/market-data/src/main.js',
} as const;
const CANDLES = 320;
const MARKETS = [
  { exchange: 'binance', symbol: 'BTC/USDT', file: MARKET_FILES.btc1m },
  { exchange: 'binance', symbol: 'LTC/USDT', file: MARKET_FILES.ltc1m },
  { exchange: 'bybit', symbol: 'BTC/USDT', file: MARKET_FILES.btc1m },
  { exchange: 'bybit', symbol: 'LTC/USDT', file: MARKET_FILES.ltc1m },
] as const;

const EXCHANGES_YAML = `
source: replay
replay: { speed: 1200, files: [] }
retry: { baseMs: 500, maxMs: 30000 }
breaker: { openMs: 15000, maxOpenMs: 300000 }
exchanges:
${['binance', 'bybit']
  .map(
    (id) => `  - id: ${id}
    enabled: true
    symbols: [BTC/USDT, LTC/USDT]
    timeframes: [1m, 5m]
    data: { candles: true, orderBook: { enabled: false, depth: 20, record: [] }, trades: false, fundingRate: false, openInterest: false, longShortRatio: false }
    polling: { candlesMs: 10000, orderBookMs: 2000, tradesMs: 5000, derivativesMs: 60000 }
    requestTimeoutMs: 10000
    sandbox: false`,
  )
  .join('\n')}
`;

const running: SpawnedProcess[] = [];
const prefix = `test-pipeline-${randomUUID()}`;
let fixture: ConfigFixture | undefined;
let data: ReplayDataDir | undefined;
let redis: Redis | undefined;

function start(entry: string, env: NodeJS.ProcessEnv, args: readonly string[] = []): SpawnedProcess {
  const child = SpawnedProcess.node(entry, { PATH: process.env.PATH, TZ: 'UTC', ...env }, args);
  running.push(child);
  return child;
}

beforeAll(() => {
  for (const entry of Object.values(ENTRIES))
    if (!existsSync(join(REPO_ROOT, entry)))
      throw new Error(`${entry} is missing: run \`npm run build\` first`);
});

afterAll(async () => {
  await Promise.all(running.splice(0).map((child) => child.kill()));
  if (redis !== undefined) {
    const keys: string[] = [];
    let cursor = '0';
    do {
      const [next, found] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      keys.push(...found);
    } while (cursor !== '0');
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
  }
  fixture?.cleanup();
  data?.cleanup();
});

interface Published {
  readonly subject: string;
  readonly payload: {
    exchange: string;
    symbol: string;
    timeframe: string;
    candleTime?: number;
    time?: number;
  };
}

function published(tap: SpawnedProcess): Published[] {
  return tap.stdout
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Published);
}

/**
 * Waits on the pipeline's progress: four markets through two worker processes, which a loaded
 * machine slows down; the deadline only ends a run that is stuck.
 */
const PROGRESS = { timeoutMs: 90_000, intervalMs: 100 } as const;

async function workerStatus(port: number): Promise<DistributedAnalysisStatus> {
  const response = await fetch(`http://127.0.0.1:${port}/health/analysis-worker`);
  return (await response.json()) as DistributedAnalysisStatus;
}

describe('distributed pipeline (separate processes on real Redis)', () => {
  it('analyses every candle of every market exactly once, through a worker SIGKILL and a malformed message', async () => {
    data = createReplayDataDir(
      MARKETS.map(({ exchange, file }) => ({
        file,
        limit: CANDLES,
        as: file.replace('_binance.csv', `_${exchange}.csv`),
      })),
    );
    fixture = createConfigFixture();
    fixture.write('exchanges.yaml', EXCHANGES_YAML);
    fixture.patch('app.yaml', 'mode: local', 'mode: distributed');
    fixture.patch('app.yaml', 'keyPrefix: confluence', `keyPrefix: ${prefix}`);
    fixture.patch('app.yaml', 'leaseTtlMs: 5000', 'leaseTtlMs: 1500');
    fixture.patch('app.yaml', 'blockMs: 1000', 'blockMs: 200');
    fixture.patch('app.yaml', 'logUpdates: true', 'logUpdates: false');
    const config = loadConfig({
      env: { CONFIG_DIR: fixture.dir, REDIS_URL, MONGODB_URI: 'mongodb://127.0.0.1:1' },
    });
    redis = new Redis(REDIS_URL);

    // What the engine computes over each market's candles: the (market, candle) pairs to expect.
    const expected = new Map<string, number[]>();
    for (const { exchange, symbol, file } of MARKETS) {
      const engine = createConfluenceEngine({ indicators: config.indicators, weights: config.weights });
      const key = { exchange, symbol, timeframe: '1m' as const };
      const times: number[] = [];
      for (const candle of loadMarketCandles(file, CANDLES)) {
        engine.addCandle(key, candle);
        if (engine.analyze(key, 0).status === 'ready') times.push(candle.timestamp);
      }
      expected.set(`${exchange} ${symbol}`, times);
    }

    const store = start(ENTRIES.store, {}, ['--port', '0']);
    const mongodbUri = `${(await store.waitFor(/mongodb:\/\/127\.0\.0\.1:\d+\//)).replace(/\/$/, '')}/confluence`;
    const env = {
      NODE_ENV: 'development',
      CONFIG_DIR: fixture.dir,
      DATA_DIR: data.dir,
      REDIS_URL,
      MONGODB_URI: mongodbUri,
    };
    const tap = start(ENTRIES.tap, env);
    await tap.waitFor(/bus-tap: listening/);
    const ports = [await freePort(), await freePort()] as const;
    const workers = ports.map((port) => start(ENTRIES.worker, { ...env, PORT: String(port) }));
    await Promise.all(workers.map((worker) => worker.waitFor(/analysis-worker listening/)));
    // The workers split the four markets before any data flows (rendezvous hashing may give one of them all four).
    let held: DistributedAnalysisStatus[] = [];
    await eventually(
      async () => {
        held = await Promise.all(ports.map((port) => workerStatus(port)));
        return held.reduce((sum, status) => sum + status.markets.length, 0) === 4;
      },
      'the workers to split the markets',
      PROGRESS,
    );
    // The victim is a worker that holds markets; the other one must take them over.
    const [victimIndex, survivorIndex] = (held[0]?.markets.length ?? 0) > 0 ? [0, 1] : [1, 0];
    const victim = held[victimIndex]?.markets.map((m) => m.market) ?? [];

    const marketData = start(ENTRIES.marketData, { ...env, PORT: String(await freePort()) });
    await marketData.waitFor(/market-data listening/);

    // A malformed entry in a market's log and a malformed broadcast: rejected, nothing stops.
    await eventually(() => published(tap).length > 100, 'the first results', PROGRESS);
    await redis.xadd(
      `${prefix}:market:${victim[0] ?? ''}`,
      '*',
      'name',
      MarketEventName.CandleClosed,
      'payload',
      '{"broken":',
    );
    await redis.publish(`${prefix}:event:${AnalysisEventName.ConfluenceUpdated}`, '{"score": "high"}');

    // Mid-run, worker A dies without a chance to release anything.
    await eventually(() => published(tap).length > 400, 'more results', PROGRESS);
    workers[victimIndex]?.signal('SIGKILL');
    expect(await workers[victimIndex]?.exited).toEqual({ code: null, signal: 'SIGKILL' });

    const total = [...expected.values()].reduce((sum, times) => sum + times.length, 0);
    await eventually(
      () => published(tap).filter((e) => e.subject === AnalysisEventName.ConfluenceUpdated).length >= total,
      'every result',
      PROGRESS,
    );
    await new Promise((resolve) => setTimeout(resolve, 1000));

    // Every market analysed once per candle: no candle missing, none published twice.
    const updates = published(tap).filter((e) => e.subject === AnalysisEventName.ConfluenceUpdated);
    for (const [market, times] of expected) {
      const seen = updates
        .filter((e) => `${e.payload.exchange} ${e.payload.symbol}` === market)
        .map((e) => e.payload.candleTime ?? -1);
      expect({ market, times: seen }).toEqual({ market, times });
    }
    // B took over A's markets (its takeovers count them) and saw the malformed log entry.
    const survivor = await workerStatus(ports[survivorIndex] ?? 0);
    expect(survivor.markets.map((m) => m.market).sort()).toEqual(
      MARKETS.map((m) => `${m.exchange}:${m.symbol}`).sort(),
    );
    expect(survivor.takeovers).toBeGreaterThanOrEqual(4);
    for (const market of victim) expect(workers[survivorIndex]?.stdout).toContain(`${market}: acquired`);
    // Whichever worker read the malformed entry (A before it died, or B re-reading after takeover) refused it.
    expect(`${workers[0]?.stdout ?? ''}${workers[1]?.stdout ?? ''}`).toMatch(
      /rejected log entry .* \(market\.candle\.closed\): payload: not JSON/,
    );
    expect(tap.stderr).toMatch(/bus-tap: bus: rejected confluence\.updated/);

    // And every result is in the store, once per candle (the takeover re-stored what A had not).
    // Store writes trail publication, so this polls until the store has them all (or times out).
    const client = await MongoClient.connect(mongodbUri);
    try {
      const results = client.db().collection('confluence_results');
      const storedTimes = async (market: string): Promise<number[]> => {
        const [exchange, symbol] = market.split(' ');
        const stored = await results
          .find({ exchange, symbol, timeframe: '1m' }, { projection: { candleTime: 1 } })
          .sort({ candleTime: 1 })
          .toArray();
        return stored.map((r) => (r.candleTime as Date).getTime());
      };
      // On a timeout the comparison below shows what is missing.
      await eventually(
        async () => {
          for (const [market, times] of expected)
            if ((await storedTimes(market)).length < times.length) return false;
          return true;
        },
        'every result to be stored',
        PROGRESS,
      ).catch(() => undefined);
      for (const [market, times] of expected)
        expect({ market, times: await storedTimes(market) }).toEqual({ market, times });
    } finally {
      await client.close();
    }
  }, 180_000);
});
