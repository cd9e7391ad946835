import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import { MongoClient } from 'mongodb';
import type { MarketDataStatus } from '@app/market';
import { rendezvousOwner } from '@app/bus';
import { loadConfig } from '@app/config';
import { AnalysisEventName, MarketEventName } from '@app/contracts';
import {
  type ConfigFixture,
  createConfigFixture,
  createReplayDataDir,
  eventually,
  freePort,
  loadMarketCandles,
  type ReplayDataDir,
} from '@app/testing';
import {
  CANDLES,
  ENTRIES,
  EXCHANGES_YAML,
  FIRST_RUN,
  MARKETS,
  PROGRESS,
  type Published,
  type Reference,
  reference,
  rendered,
  type ResultFields,
  storedResults,
  storedSignals,
  TapLog,
  workerIdOf,
  workerStatus,
} from './pipeline-distributed-kit.js';
import { PrivateRedis } from './private-redis.js';
import { Processes, requireBuilt } from './process-kit.js';

/**
 * The distributed topology as separate Node processes on a private Redis (persisted with an
 * append-only file, as production runs it): an embedded store process (standing in for MongoDB),
 * market-data replaying four markets, analysis workers and a consumer (bus-tap). Mid-run a worker
 * is SIGKILLed, Redis is restarted, and a third worker joins. Every stored result and the signal
 * history must then equal, field by field, what the engine computes over the same candles in one
 * unbroken run (the reference local mode is held to in pipeline-local), and no subscriber may
 * have been sent a result for a candle that differs from the stored one. Needs `npm run build`.
 */

const processes = new Processes();
const prefix = `test-pipeline-${randomUUID()}`;
let fixture: ConfigFixture | undefined;
const dataDirs: ReplayDataDir[] = [];
let redisServer: PrivateRedis | undefined;
let redis: Redis | undefined;

beforeAll(() => {
  requireBuilt(Object.values(ENTRIES));
});

afterAll(async () => {
  await processes.killAll();
  redis?.disconnect();
  await redisServer?.destroy();
  fixture?.cleanup();
  for (const dir of dataDirs.splice(0)) dir.cleanup();
});

/** The 1m candle a market's published checkpoint has reached (its analyzer's position), or −1. */
async function publishedCandle(market: string): Promise<number> {
  const json = await redis?.get(`${prefix}:checkpoint:published:${market}`);
  if (json === null || json === undefined) return -1;
  return (JSON.parse(json) as { candles?: Record<string, number> }).candles?.['1m'] ?? -1;
}

describe('distributed pipeline (separate processes, private Redis)', () => {
  it('stores and publishes what one unbroken run computes, through a worker SIGKILL, a Redis restart and a late worker', async () => {
    redisServer = await PrivateRedis.start();
    const redisUrl = redisServer.url;
    // market-data replays the candles in two runs: the late worker joins between them, so it has
    // its share of the second run to analyse however slow the machine is.
    const part = (skip: number, limit: number): ReplayDataDir => {
      const dir = createReplayDataDir(
        MARKETS.map(({ exchange, file }) => ({
          file,
          skip,
          limit,
          as: file.replace('_binance.csv', `_${exchange}.csv`),
        })),
      );
      dataDirs.push(dir);
      return dir;
    };
    const [firstRun, secondRun] = [part(0, FIRST_RUN), part(FIRST_RUN, CANDLES)];
    fixture = createConfigFixture();
    fixture.write('exchanges.yaml', EXCHANGES_YAML);
    fixture.patch('app.yaml', 'mode: local', 'mode: distributed');
    fixture.patch('app.yaml', 'keyPrefix: confluence', `keyPrefix: ${prefix}`);
    fixture.patch('app.yaml', 'leaseTtlMs: 5000', 'leaseTtlMs: 1500');
    fixture.patch('app.yaml', 'blockMs: 1000', 'blockMs: 200');
    // Small batches and frequent snapshots: a takeover restores a snapshot and replays a tail.
    fixture.patch('app.yaml', 'batchSize: 500', 'batchSize: 50');
    fixture.patch('app.yaml', 'snapshotEveryCandles: 100', 'snapshotEveryCandles: 60');
    fixture.patch('app.yaml', 'logUpdates: true', 'logUpdates: false');
    const config = loadConfig({
      env: { CONFIG_DIR: fixture.dir, REDIS_URL: redisUrl, MONGODB_URI: 'mongodb://127.0.0.1:1' },
    });
    redis = new Redis(redisUrl, { maxRetriesPerRequest: null });

    const expected = new Map<string, Reference>(
      MARKETS.map(({ exchange, symbol, file }) => [
        `${exchange} ${symbol}`,
        reference(file, config, `${exchange} ${symbol}`),
      ]),
    );
    const total = [...expected.values()].reduce((sum, r) => sum + r.results.length, 0);
    const candlesOf = new Map(
      MARKETS.map(({ exchange, symbol, file }) => [
        `${exchange} ${symbol}`,
        loadMarketCandles(file, CANDLES).map((c) => c.timestamp),
      ]),
    );

    const { uri: storeUri } = await processes.embeddedStore();
    const mongodbUri = `${storeUri}/confluence`;
    const env = {
      NODE_ENV: 'development',
      CONFIG_DIR: fixture.dir,
      DATA_DIR: firstRun.dir,
      REDIS_URL: redisUrl,
      MONGODB_URI: mongodbUri,
    };
    const tap = processes.node(ENTRIES.tap, env);
    await tap.waitFor(/bus-tap: listening/);
    const tapLog = new TapLog(tap);
    const ports = [await freePort(), await freePort(), await freePort()] as const;
    const workers = ports
      .slice(0, 2)
      .map((port) => processes.node(ENTRIES.worker, { ...env, PORT: String(port) }));
    await Promise.all(workers.map((worker) => worker.waitFor(/analysis-worker listening/)));
    // The workers split the four markets before any data flows, as rendezvous hashing says (it may
    // give one of them all four).
    const split = [workerIdOf(workers[0]), workerIdOf(workers[1])];
    const shareOf = (id: string | undefined, members: readonly string[]): string[] =>
      MARKETS.map((m) => `${m.exchange}:${m.symbol}`)
        .filter((market) => rendezvousOwner(market, members) === id)
        .sort();
    const holds = async (port: number): Promise<string[]> =>
      (await workerStatus(port)).markets.map((m) => m.market).sort();
    await eventually(
      async () =>
        JSON.stringify(await Promise.all(ports.slice(0, 2).map(holds))) ===
        JSON.stringify(split.map((id) => shareOf(id, split))),
      'the workers to split the markets',
      PROGRESS,
    );
    // The victim is a worker that holds markets; the other one must take them over.
    const [victimIndex, survivorIndex] = shareOf(split[0], split).length > 0 ? [0, 1] : [1, 0];
    const victim = shareOf(split[victimIndex], split);

    const marketDataPort = await freePort();
    const marketData = processes.node(ENTRIES.marketData, { ...env, PORT: String(marketDataPort) });
    await marketData.waitFor(/market-data listening/);

    // A malformed entry in a market's log and a malformed broadcast: rejected, nothing stops.
    await eventually(() => tapLog.updates().length > 100, 'the first results', PROGRESS);
    await redis.xadd(
      `${prefix}:market:${victim[0] ?? ''}`,
      '*',
      'name',
      MarketEventName.CandleClosed,
      'payload',
      '{"broken":',
    );
    await redis.publish(`${prefix}:event:${AnalysisEventName.ConfluenceUpdated}`, '{"score": "high"}');

    // Past candle 250 of each market (so a rebuild from the last 200 candles would not be exact) and
    // with about 300 results of each still to come, a worker dies without releasing anything.
    // Progress is read from the markets' published checkpoints, not counted off the bus tap, which
    // lags behind the workers on a loaded machine (the kill then came too late).
    const candle250 = (market: string): number =>
      candlesOf.get(market.replace(':', ' '))?.[250] ?? Number.POSITIVE_INFINITY;
    await eventually(
      async () => {
        for (const market of victim) if ((await publishedCandle(market)) < candle250(market)) return false;
        return true;
      },
      'the victim to publish past candle 250 of each of its markets',
      { ...PROGRESS, intervalMs: 20 },
    );
    workers[victimIndex]?.signal('SIGKILL');
    expect(await workers[victimIndex]?.exited).toEqual({ code: null, signal: 'SIGKILL' });
    // More than 200 results of each of the victim's markets come after the crash.
    for (const market of victim) {
      const reached = await publishedCandle(market);
      const after =
        expected.get(market.replace(':', ' '))?.results.filter((r) => r.candleTime > reached) ?? [];
      expect({ market, after: after.length > 200 }).toEqual({ market, after: true });
    }

    // Once the survivor publishes again, Redis restarts: every connection drops (the leases outlive
    // a short outage, so nothing changes hands for it).
    const beforeRestart = tapLog.updates().length;
    await eventually(
      () => tapLog.updates().length > beforeRestart + 200,
      'results after the crash',
      PROGRESS,
    );
    await redisServer.restart();

    // Once the first run is published, a third worker joins: rendezvous hashing gives it its share,
    // which the survivor hands over (a clean release, not an expiry).
    await eventually(
      async () => {
        const response = await fetch(`http://127.0.0.1:${marketDataPort}/health/market-data`);
        return ((await response.json()) as MarketDataStatus).replay?.finished === true;
      },
      'the first run to be published',
      PROGRESS,
    );
    marketData.signal('SIGTERM');
    await marketData.exited;
    // Handovers before this one (the first split) are not the late worker's.
    const rebalancedBefore = (await workerStatus(ports[survivorIndex] ?? 0)).ownership.lost.rebalanced ?? 0;
    const late = processes.node(ENTRIES.worker, { ...env, PORT: String(ports[2]) });
    await late.waitFor(/analysis-worker listening/);
    const survivorPort = ports[survivorIndex] ?? 0;
    const members = [split[survivorIndex] ?? '', workerIdOf(late)];
    const lateShare = shareOf(members[1], members);
    await eventually(
      async () =>
        JSON.stringify((await workerStatus(ports[2])).markets.map((m) => m.market).sort()) ===
        JSON.stringify(lateShare),
      'the late worker to take its share',
      PROGRESS,
    );
    // The second run: the rest of every market's candles.
    const secondMarketData = processes.node(ENTRIES.marketData, {
      ...env,
      DATA_DIR: secondRun.dir,
      PORT: String(await freePort()),
    });
    await secondMarketData.waitFor(/market-data listening/);
    // Every result stored once per candle, each equal field by field to the unbroken run's.
    const client = await MongoClient.connect(mongodbUri);
    try {
      const db = client.db();
      await eventually(
        async () => {
          let stored = 0;
          for (const market of expected.keys()) stored += (await storedResults(db, market)).length;
          return stored >= total;
        },
        'every result to be stored',
        PROGRESS,
      ).catch(() => undefined); // On a timeout the comparison below shows what differs.
      // Results stored after the last one counted (a duplicate, a late write) would show here.
      await new Promise((resolve) => setTimeout(resolve, 1000));

      for (const [market, want] of expected) {
        expect(want.results.length).toBeGreaterThan(350);
        expect({ market, results: await storedResults(db, market) }).toEqual({
          market,
          results: want.results,
        });
        const [exchange, symbol] = market.split(' ');
        // Forward validation kept one sample per stored result through the takeovers, no more.
        const samples = await db
          .collection('validation_samples')
          .find({ exchange, symbol, timeframe: '1m' })
          .sort({ candleTime: 1 })
          .toArray();
        expect({
          market,
          samples: samples.map((d): unknown[] => [
            (d.candleTime as Date).getTime(),
            d.score,
            d.label,
            d.inputHash,
          ]),
        }).toEqual({
          market,
          samples: want.results.map((r) => [r.candleTime, r.score, r.label, r.inputHash]),
        });
        // market-data stored every candle it published, through the Redis restart too.
        const candleTimes = (
          await db
            .collection('candles')
            .find({ exchange, symbol, timeframe: '1m' }, { projection: { timestamp: 1 } })
            .sort({ timestamp: 1 })
            .toArray()
        ).map((d) => (d.timestamp as Date).getTime());
        expect({ market, candles: candleTimes }).toEqual({ market, candles: candlesOf.get(market) });
        expect({ market, signals: await storedSignals(db, market) }).toEqual({
          market,
          signals: want.signals,
        });
      }
    } finally {
      await client.close();
    }

    // What subscribers were sent: never two results for one candle, and each one the stored result.
    // (Pub/sub is at most once: what was published while the tap reconnected to Redis is not here.)
    const sent = tapLog.updates();
    expect(sent.length).toBeGreaterThan(total / 2);
    const byCandle = new Map<string, Published['payload']>();
    const duplicates: string[] = [];
    for (const { payload } of sent) {
      const id = `${payload.exchange} ${payload.symbol} ${payload.candleTime ?? -1}`;
      if (byCandle.has(id)) duplicates.push(id);
      byCandle.set(id, payload);
    }
    expect(duplicates).toEqual([]);
    const wanted = new Map<string, ResultFields>(
      [...expected].flatMap(([market, want]) =>
        want.results.map((r): [string, ResultFields] => [`${market} ${r.candleTime}`, r]),
      ),
    );
    const disagreeing = [...byCandle]
      .filter(([id, payload]) => {
        const want = wanted.get(id);
        return (
          want === undefined ||
          payload.score !== rendered(want.score) ||
          payload.label !== want.label ||
          payload.inputHash !== want.inputHash ||
          payload.configHash !== want.configHash ||
          // The domain result it carries is the stored one, unrounded.
          payload.result?.score !== want.score ||
          payload.result.label !== want.label ||
          payload.result.confidence !== want.confidence ||
          payload.result.inputHash !== want.inputHash
        );
      })
      .map(([id]) => id);
    expect(disagreeing).toEqual([]);

    // The takeovers happened as staged: the survivor took the victim's markets, the late worker its share.
    for (const market of victim) expect(workers[survivorIndex]?.stdout).toContain(`${market}: acquired`);
    const [survivorEnd, lateEnd] = await Promise.all([workerStatus(survivorPort), workerStatus(ports[2])]);
    expect(lateEnd.markets.map((m) => m.market).sort()).toEqual(lateShare);
    expect(survivorEnd.markets.length + lateEnd.markets.length).toBe(4);
    for (const market of lateShare)
      expect(late.stdout).toMatch(
        new RegExp(`${market.replace('/', '\\/')}: acquired; restored the snapshot`),
      );
    // Ownership changes are counted in the worker's /metrics: the late worker's share left the
    // survivor by clean handover (rebalanced), each exactly once.
    const scrape = await (await fetch(`http://127.0.0.1:${survivorPort}/metrics`)).text();
    expect(scrape).toContain(`confluence_worker_ownership_acquired_total ${survivorEnd.ownership.acquired}`);
    expect(survivorEnd.ownership.acquired).toBeGreaterThanOrEqual(4);
    const rebalanced = survivorEnd.ownership.lost.rebalanced ?? 0;
    expect(rebalanced - rebalancedBefore).toBe(lateShare.length);
    if (rebalanced > 0)
      expect(scrape).toContain(`confluence_worker_ownership_lost_total{reason="rebalanced"} ${rebalanced}`);
    expect(scrape).toContain(`confluence_worker_markets ${survivorEnd.markets.length}`);
    // Meaningful: it joined while results were still to come (rendezvous hashing may give it none).
    if (lateShare.length > 0) expect(lateEnd.counters.results).toBeGreaterThan(0);
    // Whichever worker read the malformed entry refused it; the tap refused the malformed broadcast.
    expect(workers.map((w) => w.stdout).join('')).toMatch(
      /rejected log entry .* \(market\.candle\.closed\): payload: not JSON/,
    );
    expect(tap.stderr).toMatch(/bus-tap: bus: rejected confluence\.updated/);
  }, 240_000);
});
