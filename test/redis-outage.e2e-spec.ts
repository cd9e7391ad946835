import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { MongoClient } from 'mongodb';
import { loadConfig } from '@app/config';
import type { MarketDataStatus } from '@app/market';
import {
  type ConfigFixture,
  createConfigFixture,
  createReplayDataDir,
  eventually,
  freePort,
  type ReplayDataDir,
} from '@app/testing';
import {
  CANDLES,
  ENTRIES,
  exchangesYaml,
  PROGRESS,
  type Reference,
  reference,
  rendered,
  storedResults,
  workerStatus,
} from './pipeline-distributed-kit.js';
import { PrivateRedis } from './private-redis.js';
import { Processes, requireBuilt } from './process-kit.js';

/**
 * Redis away for a while in distributed mode (separate processes, private Redis with its
 * append-only file, embedded store): no process exits, the gateway answers REST latest from the
 * store throughout and says Redis is degraded, market-data waits and resumes its replay, the
 * worker resumes its markets, and every result ends up stored exactly once, equal to one
 * unbroken engine run. Then readiness with a busy store (degraded) and a gone one (down). Needs
 * `npm run build`.
 */

const GATEWAY = 'dist/apps/api-gateway/src/main.js';
/**
 * Longer than every bound that used to turn an outage into a failure: ioredis giving up a command
 * (5 retries, about 3 s), the worker's lease (1.5 s here) and the gateway's 2 s Redis ping.
 */
const OUTAGE_MS = 8_000;
const MARKETS = [
  { exchange: 'binance', symbol: 'BTC/USDT', file: 'BTC-USDT_1m_2021-02-19_binance.csv' },
  { exchange: 'binance', symbol: 'LTC/USDT', file: 'LTC-USDT_1m_2020-11-08_binance.csv' },
] as const;

const processes = new Processes();
let fixture: ConfigFixture | undefined;
let data: ReplayDataDir | undefined;
let redisServer: PrivateRedis | undefined;

beforeAll(() => {
  requireBuilt([...Object.values(ENTRIES), GATEWAY]);
});

afterAll(async () => {
  await processes.killAll();
  await redisServer?.destroy();
  fixture?.cleanup();
  data?.cleanup();
});

interface LatestBody {
  readonly candleTime: string;
  readonly score: number;
  readonly label: string;
  readonly replay: { readonly inputHash: string };
}

describe('a Redis outage in distributed mode', () => {
  it('is ridden out by every app: REST answers throughout, the replay resumes, every result is stored once and right', async () => {
    redisServer = await PrivateRedis.start();
    data = createReplayDataDir(MARKETS.map(({ file }) => ({ file, limit: CANDLES })));
    fixture = createConfigFixture();
    fixture.write('exchanges.yaml', exchangesYaml(['binance']));
    fixture.patch('app.yaml', 'mode: local', 'mode: distributed');
    fixture.patch('app.yaml', 'keyPrefix: confluence', `keyPrefix: test-outage-${randomUUID()}`);
    fixture.patch('app.yaml', 'leaseTtlMs: 5000', 'leaseTtlMs: 1500');
    fixture.patch('app.yaml', 'blockMs: 1000', 'blockMs: 200');
    fixture.patch('app.yaml', 'logUpdates: true', 'logUpdates: false');
    const config = loadConfig({
      env: { CONFIG_DIR: fixture.dir, REDIS_URL: redisServer.url, MONGODB_URI: 'mongodb://127.0.0.1:1' },
    });
    const expected = new Map<string, Reference>(
      MARKETS.map(({ exchange, symbol, file }) => [
        `${exchange} ${symbol}`,
        reference(file, config, `${exchange} ${symbol}`),
      ]),
    );

    const { store, uri: storeUri } = await processes.embeddedStore();
    const mongodbUri = `${storeUri}/confluence`;
    const env = {
      NODE_ENV: 'development',
      CONFIG_DIR: fixture.dir,
      DATA_DIR: data.dir,
      REDIS_URL: redisServer.url,
      MONGODB_URI: mongodbUri,
    };
    const [workerPort, gatewayPort, marketDataPort] = [await freePort(), await freePort(), await freePort()];
    const worker = processes.node(ENTRIES.worker, { ...env, PORT: String(workerPort) });
    const gateway = processes.node(GATEWAY, { ...env, PORT: String(gatewayPort) });
    await Promise.all([
      worker.waitFor(/analysis-worker listening/),
      gateway.waitFor(/api-gateway listening/),
    ]);
    const marketData = processes.node(ENTRIES.marketData, { ...env, PORT: String(marketDataPort) });
    await marketData.waitFor(/market-data listening/);
    const apps = { worker, gateway, marketData };
    const exits: string[] = [];
    for (const [name, app] of Object.entries(apps))
      void app.exited.then((exit) => {
        // With its last words, which say why.
        const fatal = app.output.split('\n').filter((line) => /"level":"(fatal|error)"/.test(line));
        exits.push(`${name} exited: ${JSON.stringify(exit)} ${fatal.slice(-2).join(' ')}`);
      });

    const latestUrl = `http://127.0.0.1:${gatewayPort}/v1/confluence/binance/BTC-USDT?timeframe=1m`;
    const replayed = async (): Promise<MarketDataStatus['replay']> =>
      (
        (await (
          await fetch(`http://127.0.0.1:${marketDataPort}/health/market-data`)
        ).json()) as MarketDataStatus
      ).replay;
    // Mid-replay: results are flowing and the replay has candles left to publish.
    await eventually(
      async () => (await workerStatus(workerPort)).counters.results > 150,
      'the first results',
      PROGRESS,
    );
    expect((await replayed())?.finished).toBe(false);

    await redisServer.stop();
    const answers: { status: number | string; ms: number }[] = [];
    let readiness: unknown;
    const outageEnds = performance.now() + OUTAGE_MS;
    while (performance.now() < outageEnds) {
      const began = performance.now();
      const status = await fetch(latestUrl, { signal: AbortSignal.timeout(1_500) }).then(
        (response) => response.status,
        (error: unknown) => (error instanceof Error ? error.name : String(error)),
      );
      answers.push({ status, ms: Math.round(performance.now() - began) });
      if (readiness === undefined && answers.length === 5)
        readiness = await (await fetch(`http://127.0.0.1:${gatewayPort}/health/ready`)).json();
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(exits).toEqual([]);
    await redisServer.restart();

    // REST latest answered from the store and the cache the whole time, every request at once.
    expect(answers.length).toBeGreaterThan(10);
    expect(answers.filter((a) => a.status !== 200)).toEqual([]);
    expect(readiness).toMatchObject({
      status: 'degraded',
      checks: { store: { status: 'up' }, redis: { status: 'degraded' } },
    });

    // The replay resumes and finishes; the worker takes its markets back and analyses the rest.
    await eventually(async () => (await replayed())?.finished === true, 'the replay to finish', PROGRESS);
    const total = [...expected.values()].reduce((sum, r) => sum + r.results.length, 0);
    const client = await MongoClient.connect(mongodbUri);
    try {
      const db = client.db();
      const storedCount = async (): Promise<number> =>
        (await Promise.all([...expected.keys()].map((m) => storedResults(db, m)))).flat().length;
      await eventually(
        async () => (await storedCount()) >= total,
        'every result to be stored',
        PROGRESS,
      ).catch(
        () => undefined, // On a timeout the comparison below shows what differs.
      );
      for (const [market, want] of expected) {
        expect(want.results.length).toBeGreaterThan(350);
        expect({ market, results: await storedResults(db, market) }).toEqual({
          market,
          results: want.results,
        });
      }
    } finally {
      await client.close();
    }
    // And the gateway serves the last one.
    const last = expected.get('binance BTC/USDT')?.results.at(-1);
    await eventually(
      async () => {
        const body = (await (await fetch(latestUrl)).json()) as LatestBody;
        return Date.parse(body.candleTime) === last?.candleTime;
      },
      'REST latest to show the last candle',
      PROGRESS,
    );
    const body = (await (await fetch(latestUrl)).json()) as LatestBody;
    expect({ score: body.score, label: body.label, inputHash: body.replay.inputHash }).toEqual({
      score: rendered(last?.score ?? Number.NaN),
      label: last?.label,
      inputHash: last?.inputHash,
    });
    expect(exits).toEqual([]);
    // What each app said about it.
    expect(gateway.stdout).toContain('rate limits counted per replica while Redis is unreachable');
    expect(gateway.stdout).toContain('rate limits counted in Redis again');
    expect(marketData.stdout).toMatch(/replay: bus answers again after \d+ failed attempt/);
    expect(worker.output).not.toContain('not retrying');

    // Readiness tells a busy store from a gone one: a store that stops answering while connected
    // (SIGSTOP, as one draining large bulk writes) is degraded and stays in rotation; a store that
    // is gone is down (503).
    const readyUrl = `http://127.0.0.1:${gatewayPort}/health/ready`;
    store.signal('SIGSTOP');
    const busy = await fetch(readyUrl);
    store.signal('SIGCONT');
    expect(busy.status).toBe(200);
    expect(await busy.json()).toMatchObject({
      status: 'degraded',
      checks: { store: { status: 'degraded', message: expect.stringMatching(/busy$/) } },
    });
    await store.kill();
    await eventually(
      async () => (await fetch(readyUrl)).status === 503,
      'readiness to say the store is down',
      PROGRESS,
    );
    expect(await (await fetch(readyUrl)).json()).toMatchObject({
      status: 'down',
      checks: { store: { status: 'down' } },
    });
    expect(exits).toEqual([]);
  }, 240_000);
});
