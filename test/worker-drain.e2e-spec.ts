import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import { MongoClient } from 'mongodb';
import { leaseKey, RedisKeys, rendezvousOwner, workersKey } from '@app/bus';
import { loadConfig } from '@app/config';
import type { MarketRef } from '@app/contracts';
import {
  createConfigFixture,
  createReplayDataDir,
  eventually,
  freePort,
  type ConfigFixture,
  type ReplayDataDir,
} from '@app/testing';
import {
  ENTRIES,
  exchangesYaml,
  MARKETS,
  PROGRESS,
  type Published,
  type Reference,
  reference,
  rendered,
  storedResults,
  storedSignals,
  TapLog,
  workerIdOf,
  workerStatus,
} from './pipeline-distributed-kit.js';
import { PrivateRedis } from './private-redis.js';
import { Processes, requireBuilt } from './process-kit.js';

/**
 * SIGTERM to one of two analysis workers (separate processes, private Redis) in the middle of a
 * batch: market-data replays four markets, the worker is frozen (SIGSTOP) until a backlog of its
 * markets' candles waits in their logs, then signalled and woken, so it reads that backlog as it
 * stops. It must commit what it analysed, store it, save its engine state, release its leases
 * and exit 0; the other worker takes its markets over at once (a release, not a lease expiry)
 * and goes on from the stored checkpoint. Every stored result, every published one and the
 * signal history then equal, field by field, one unbroken run of the engine over the same
 * candles, and every result was published exactly once. Needs `npm run build`.
 */

/** Candles per market: about 160 results each once the engine is warm. */
const CANDLES = 360;
/**
 * Renewed every 1.5 s: the frozen worker's leases stay valid through its freeze (at most
 * FREEZE_MS), and a takeover by expiry (two TTLs and more) would stand out from a release.
 */
const LEASE_TTL_MS = 4500;
/** Longest freeze (market-data adds an entry to each log every 10 ms or so). */
const FREEZE_MS = 2000;
/** Log entries waiting per market when the worker is signalled: many turns of a batch. */
const BACKLOG = 48;

const processes = new Processes();
const prefix = `test-worker-drain-${randomUUID()}`;
let fixture: ConfigFixture | undefined;
let dataDir: ReplayDataDir | undefined;
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
  dataDir?.cleanup();
});

/** The JSON log records of an output (`time` and `message` of each). */
function records(output: string): { time: number; message: string }[] {
  return output
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as { time: number; message: string });
}

/** Result lines: `{"level":"log","time":…,"message":"binance BTC/USDT 1m 2021-02-19T09:41:00Z: 66.1 LONG (…)"}`. */
function publishedLines(output: string): { market: string; candleTime: number; at: number }[] {
  const lines: { market: string; candleTime: number; at: number }[] = [];
  for (const { time, message } of records(output)) {
    const match = /^(\w+) (\S+) 1m (\S+Z): /.exec(message);
    if (match !== null)
      lines.push({
        market: `${match[1] ?? ''}:${match[2] ?? ''}`,
        candleTime: Date.parse(match[3] ?? ''),
        at: time,
      });
  }
  return lines;
}

function timestampOf(output: string, message: RegExp): number {
  const found = records(output).find((record) => message.test(record.message));
  if (found === undefined) throw new Error(`no ${String(message)} in:\n${output}`);
  return found.time;
}

describe('analysis worker drain on SIGTERM (separate processes, private Redis)', () => {
  it('commits what it analysed of its batch, hands the rest and its markets over at once, and nothing differs from an unbroken run', async () => {
    redisServer = await PrivateRedis.start();
    dataDir = createReplayDataDir(
      MARKETS.map(({ exchange, file }) => ({
        file,
        limit: CANDLES,
        as: file.replace('_binance.csv', `_${exchange}.csv`),
      })),
    );
    fixture = createConfigFixture();
    // 6000× real time: a candle per market every 10 ms, which the store and both workers keep up with.
    fixture.write(
      'exchanges.yaml',
      exchangesYaml(['binance', 'bybit']).replace('speed: 3000', 'speed: 6000'),
    );
    fixture.patch('app.yaml', 'mode: local', 'mode: distributed');
    fixture.patch('app.yaml', 'keyPrefix: confluence', `keyPrefix: ${prefix}`);
    fixture.patch('app.yaml', 'leaseTtlMs: 5000', `leaseTtlMs: ${LEASE_TTL_MS}`);
    fixture.patch('app.yaml', 'blockMs: 1000', 'blockMs: 200');
    fixture.patch('app.yaml', 'batchSize: 500', 'batchSize: 50');
    fixture.patch('app.yaml', 'snapshotEveryCandles: 100', 'snapshotEveryCandles: 60');
    const config = loadConfig({
      env: { CONFIG_DIR: fixture.dir, REDIS_URL: redisServer.url, MONGODB_URI: 'mongodb://127.0.0.1:1' },
    });
    redis = new Redis(redisServer.url, { maxRetriesPerRequest: null });
    const expected = new Map<string, Reference>(
      MARKETS.map(({ exchange, symbol, file }) => [
        `${exchange} ${symbol}`,
        reference(file, config, `${exchange} ${symbol}`, CANDLES),
      ]),
    );

    const { uri: storeUri } = await processes.embeddedStore();
    const mongodbUri = `${storeUri}/confluence`;
    const env = {
      NODE_ENV: 'development',
      CONFIG_DIR: fixture.dir,
      DATA_DIR: dataDir.dir,
      REDIS_URL: redisServer.url,
      MONGODB_URI: mongodbUri,
    };
    const tap = processes.node(ENTRIES.tap, env);
    const tapLog = new TapLog(tap);
    const ports = [await freePort(), await freePort()] as const;
    const workers = ports.map((port) => processes.node(ENTRIES.worker, { ...env, PORT: String(port) }));
    await Promise.all([
      tap.waitFor(/bus-tap: listening/),
      ...workers.map((worker) => worker.waitFor(/analysis-worker listening/)),
    ]);
    const ids = workers.map(workerIdOf);
    const shareOf = (id: string | undefined): string[] =>
      MARKETS.map((m) => `${m.exchange}:${m.symbol}`).filter((market) => rendezvousOwner(market, ids) === id);
    await eventually(
      async () =>
        (await Promise.all(ports.map(async (port) => (await workerStatus(port)).markets.length))).join() ===
        ids.map((id) => shareOf(id).length).join(),
      'the workers to split the markets',
      PROGRESS,
    );
    const [victimIndex, survivorIndex] = shareOf(ids[0]).length > 0 ? [0, 1] : [1, 0];
    const [victim, survivor] = [workers[victimIndex], workers[survivorIndex]];
    if (victim === undefined || survivor === undefined) throw new Error('two workers expected');
    const victimMarkets = shareOf(ids[victimIndex]);

    processes.node(ENTRIES.marketData, { ...env, PORT: String(await freePort()) });
    const sentFor = (market: string): number =>
      tapLog.updates().filter((e) => `${e.payload.exchange}:${e.payload.symbol}` === market).length;
    await eventually(
      () => victimMarkets.every((market) => sentFor(market) >= 40),
      "the victim's first results",
      PROGRESS,
    );
    // Frozen until candles pile up past what it committed, then signalled and woken: it reads them as it stops.
    const keys = new RedisKeys(prefix);
    const refOf = (market: string): MarketRef => {
      const [exchange = '', symbol = ''] = market.split(':');
      return { exchange, symbol };
    };
    const backlogOf = async (market: string): Promise<number> => {
      const checkpoint = await redis?.get(keys.publishedCheckpoint(refOf(market)));
      const after = (JSON.parse(checkpoint ?? '{"offset":"0"}') as { offset: string }).offset;
      return (
        (await redis?.xrange(keys.stream(refOf(market)), `(${after}`, '+', 'COUNT', BACKLOG))?.length ?? 0
      );
    };
    victim.signal('SIGSTOP');
    await eventually(
      async () => (await Promise.all(victimMarkets.map(backlogOf))).every((n) => n >= BACKLOG),
      "a backlog in the frozen worker's logs",
      { timeoutMs: FREEZE_MS },
    );
    // The newest 1m candle in each of its logs as it is signalled: what it leaves of them is handed back.
    const lastCandleOf = async (market: string): Promise<number> => {
      for (const [, fields] of (await redis?.xrevrange(keys.stream(refOf(market)), '+', '-', 'COUNT', 10)) ??
        []) {
        const payload = JSON.parse(fields[fields.indexOf('payload') + 1] ?? '{}') as {
          timeframe?: string;
          candle?: { timestamp: number };
        };
        if (payload.timeframe === '1m' && payload.candle !== undefined) return payload.candle.timestamp;
      }
      return -1;
    };
    const inLogAtSignal = new Map(
      await Promise.all(victimMarkets.map(async (market) => [market, await lastCandleOf(market)] as const)),
    );
    victim.signal('SIGTERM');
    victim.signal('SIGCONT');
    expect(await victim.exited).toEqual({ code: 0, signal: null });
    for (const market of victimMarkets) {
      const all = expected.get(market.replace(':', ' '))?.results.length ?? 0;
      expect({ market, left: all - sentFor(market) > 50 }).toEqual({ market, left: true });
    }
    // Released, not left to expire: its leases are gone from Redis (or already the survivor's)
    // within one TTL of its stop, and it left the membership.
    for (const market of victimMarkets) {
      const [exchange = '', symbol = ''] = market.split(':');
      expect(await redis.get(leaseKey(prefix, { exchange, symbol }))).not.toBe(ids[victimIndex]);
    }
    expect(await redis.zscore(workersKey(prefix), ids[victimIndex] ?? '')).toBeNull();
    expect(victim.stdout).toContain('stopped (released)');
    expect(victim.output).not.toMatch(/"level":"(error|fatal)"/);

    // Every result stored once, each equal field by field to the unbroken run's, and the signals too.
    const total = [...expected.values()].reduce((sum, r) => sum + r.results.length, 0);
    const client = await MongoClient.connect(mongodbUri);
    try {
      const db = client.db();
      await eventually(
        async () => {
          let stored = 0;
          for (const market of expected.keys()) stored += (await storedResults(db, market)).length;
          return stored >= total && tapLog.updates().length >= total;
        },
        'every result to be stored and published',
        PROGRESS,
      ).catch(() => undefined); // On a timeout the comparison below shows what differs.
      // A late write or a duplicate publish would show here.
      await new Promise((resolve) => setTimeout(resolve, 500));
      for (const [market, want] of expected) {
        expect({ market, results: await storedResults(db, market) }).toEqual({
          market,
          results: want.results,
        });
        expect({ market, signals: await storedSignals(db, market) }).toEqual({
          market,
          signals: want.signals,
        });
      }
    } finally {
      await client.close();
    }

    // Published exactly once each (nothing lost in the handover, nothing sent twice), as computed.
    const published = (payload: Published['payload']) => ({
      market: `${payload.exchange} ${payload.symbol}`,
      candleTime: payload.candleTime,
      score: payload.score,
      label: payload.label,
      inputHash: payload.inputHash,
      configHash: payload.configHash,
      result: {
        score: payload.result?.score,
        label: payload.result?.label,
        confidence: payload.result?.confidence,
        inputHash: payload.result?.inputHash,
      },
    });
    const order = (a: { market: string; candleTime?: number }, b: { market: string; candleTime?: number }) =>
      a.market.localeCompare(b.market) || (a.candleTime ?? 0) - (b.candleTime ?? 0);
    expect(
      tapLog
        .updates()
        .map((e) => published(e.payload))
        .sort(order),
    ).toEqual(
      [...expected].flatMap(([market, want]) =>
        want.results.map((r) => ({
          market,
          candleTime: r.candleTime,
          score: rendered(r.score),
          label: r.label,
          inputHash: r.inputHash,
          configHash: r.configHash,
          result: { score: r.score, label: r.label, confidence: r.confidence, inputHash: r.inputHash },
        })),
      ),
    );

    // The survivor took each market over from the snapshot the victim saved as it stopped.
    for (const market of victimMarkets)
      expect(survivor.stdout).toMatch(
        new RegExp(`${market.replace('/', '\\/')}: acquired; restored the snapshot`),
      );
    const survivorEnd = await workerStatus(ports[survivorIndex] ?? 0);
    expect(survivorEnd.markets.map((m) => m.market).sort()).toEqual(
      MARKETS.map((m) => `${m.exchange}:${m.symbol}`).sort(),
    );

    // Takeover time, by the two processes' own log clocks (one machine): from the victim's SIGTERM
    // to the survivor's first result of one of the victim's markets. Reported, not asserted.
    const signalledAt = timestampOf(victim.stdout, /SIGTERM received: stopping/);
    const lastOfVictim = new Map<string, number>();
    for (const line of publishedLines(victim.stdout)) lastOfVictim.set(line.market, line.candleTime);
    const firstBySurvivor = publishedLines(survivor.stdout)
      .filter(
        (line) =>
          victimMarkets.includes(line.market) && line.candleTime > (lastOfVictim.get(line.market) ?? -1),
      )
      .map((line) => line.at);
    const afterSignal = publishedLines(victim.stdout).filter((line) => line.at >= signalledAt).length;
    const handedBack = publishedLines(survivor.stdout).filter(
      (line) =>
        victimMarkets.includes(line.market) &&
        line.candleTime > (lastOfVictim.get(line.market) ?? -1) &&
        line.candleTime <= (inLogAtSignal.get(line.market) ?? -1),
    ).length;
    // It had a batch in hand: it committed part of it after the signal and left the rest.
    expect(afterSignal).toBeGreaterThan(0);
    expect(handedBack).toBeGreaterThan(0);
    const releasedAt = timestampOf(victim.stdout, /stopped \(released\)/);
    const acquiredAt = timestampOf(
      survivor.stdout,
      new RegExp(`${(victimMarkets[0] ?? '').replace('/', '\\/')}: acquired; restored`),
    );
    process.stdout.write(
      `worker drain: ${victimMarkets.length} market(s) handed over; the victim published ${afterSignal} result(s) ` +
        `after SIGTERM and left ${handedBack} of the candles then in its logs to the survivor; from SIGTERM: ` +
        `released ${releasedAt - signalledAt} ms, taken over ${acquiredAt - signalledAt} ms, ` +
        `first result of the survivor ${Math.min(...firstBySurvivor) - signalledAt} ms\n`,
    );
  }, 180_000);
});
