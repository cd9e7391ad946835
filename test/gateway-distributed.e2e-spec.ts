import { createHash, randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import { io, type Socket } from 'socket.io-client';
import { RedisEventBus, RedisKeys } from '@app/bus';
import {
  AnalysisEventName,
  type BusEventData,
  type LiveSignalChange,
  type LiveUpdate,
  SIGNALS_NAMESPACE,
  type SignalsClientEvents,
  type SignalsServerEvents,
  type SubscriptionRequest,
  streamRoom,
} from '@app/contracts';
import { hashApiKey } from '@app/gateway';
import { type ConfigFixture, createConfigFixture, freePort, REPO_ROOT, SpawnedProcess } from '@app/testing';

/**
 * Two api-gateway processes in distributed mode on the real Redis, with the embedded store as a
 * process of its own. No market-data or worker runs: the test publishes the analysis events on the
 * Redis bus itself, as a worker would. Needs `npm run build` (npm test does it).
 */

const REDIS_URL = 'redis://127.0.0.1:6379';
const ENTRIES = {
  store: 'dist/tools/embedded-mongo/main.js',
  gateway: 'dist/apps/api-gateway/src/main.js',
} as const;
const KEYS = { alpha: `alpha-${randomUUID()}`, beta: `beta-${randomUUID()}` } as const;
const WEIGHTS_LIMIT = 5;

const BTC_1M = { exchange: 'binance', symbol: 'BTC/USDT', timeframe: '1m' } as const;
const LTC_5M = { exchange: 'binance', symbol: 'LTC/USDT', timeframe: '5m' } as const;
/** Nobody subscribes to it: the barrier signals go there. */
const LTC_1M = { exchange: 'binance', symbol: 'LTC/USDT', timeframe: '1m' } as const;
type Stream = typeof BTC_1M | typeof LTC_5M | typeof LTC_1M;
const T0 = Date.UTC(2024, 0, 1);

type SignalsClient = Socket<SignalsServerEvents, SignalsClientEvents>;

const running: SpawnedProcess[] = [];
const clients: SignalsClient[] = [];
const prefix = `test-gateway-${randomUUID()}`;
let fixture: ConfigFixture | undefined;
let redis: Redis | undefined;
let subscriber: Redis | undefined;
let bus: RedisEventBus | undefined;
let gateways: { readonly process: SpawnedProcess; readonly port: number }[] = [];

function start(entry: string, env: NodeJS.ProcessEnv, args: readonly string[] = []): SpawnedProcess {
  const child = SpawnedProcess.node(entry, { PATH: process.env.PATH, TZ: 'UTC', ...env }, args);
  running.push(child);
  return child;
}

async function until(
  condition: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 20_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function gateway(index: 0 | 1): { readonly process: SpawnedProcess; readonly port: number } {
  const found = gateways[index];
  if (found === undefined) throw new Error(`gateway ${String(index)} did not start`);
  return found;
}

function url(index: 0 | 1, path: string): string {
  return `http://127.0.0.1:${String(gateway(index).port)}${path}`;
}

/** Sum of a Prometheus sample over the series whose labels include `labels`. */
async function metric(
  index: 0 | 1,
  name: string,
  labels: Readonly<Record<string, string>> = {},
): Promise<number> {
  const text = await (await fetch(url(index, '/metrics'))).text();
  let sum = 0;
  for (const line of text.split('\n')) {
    const match = /^([a-z_]+)(\{[^}]*\})? (\S+)$/.exec(line);
    if (match?.[1] !== name) continue;
    const series = match[2] ?? '';
    if (Object.entries(labels).every(([label, value]) => series.includes(`${label}="${value}"`)))
      sum += Number(match[3]);
  }
  return sum;
}

const emitted = (index: 0 | 1, event: 'confluence.updated' | 'signal.changed'): Promise<number> =>
  metric(index, 'confluence_socket_updates_emitted_total', { event });

function eventBus(): RedisEventBus {
  if (bus === undefined) throw new Error('the bus is not set up');
  return bus;
}

function update(
  stream: Stream,
  candleTime: number,
): BusEventData<typeof AnalysisEventName.ConfluenceUpdated> {
  return {
    ...stream,
    source: 'live',
    emittedAt: candleTime + 61_000,
    candleTime,
    trigger: 'candle',
    inputEmittedAt: candleTime + 60_500,
    computedAt: candleTime + 60_900,
    score: 42.5,
    label: 'NEUTRAL',
    confidence: 12,
    coverage: 0.4,
    components: {
      orderFlow: null,
      orderBook: null,
      volume: 40,
      priceStructure: 55,
      technical: 38,
      sentiment: null,
    },
    engineVersion: 'test',
    configHash: 'c'.repeat(64),
    inputHash: createHash('sha256')
      .update(`${streamRoom(stream)} ${String(candleTime)}`)
      .digest('hex'),
    reasoning: `${stream.symbol} ${stream.timeframe} NEUTRAL 42.5`,
  };
}

let signalsPublished = 0;

async function publishSignal(stream: Stream, time: number): Promise<void> {
  signalsPublished += 1;
  await eventBus().publish(AnalysisEventName.SignalChanged, {
    ...stream,
    source: 'live',
    emittedAt: time + 61_000,
    time,
    from: 'NEUTRAL',
    to: 'LONG',
    score: 71,
    confidence: 30,
  });
}

/**
 * Publishes a signal change nobody subscribes to and waits until both gateways have counted it.
 * Each gateway handles its bus messages one at a time in arrival order, every handler awaited,
 * so by then it has finished with every message published before (claims and emits included).
 */
async function barrier(): Promise<void> {
  await publishSignal(LTC_1M, T0 + 1_000_000_000 + signalsPublished * 60_000);
  const expected = signalsPublished;
  await until(
    async () =>
      (await metric(0, 'confluence_signal_changes_total')) === expected &&
      (await metric(1, 'confluence_signal_changes_total')) === expected,
    `both gateways to handle ${String(expected)} signal changes`,
  );
}

/** A /signals client on one gateway, subscribed to one stream, recording what it receives. */
async function subscribeClient(
  index: 0 | 1,
  stream: Stream,
  symbol: string = stream.symbol,
): Promise<{ readonly updates: string[]; readonly signals: string[] }> {
  const socket: SignalsClient = io(`http://127.0.0.1:${String(gateway(index).port)}${SIGNALS_NAMESPACE}`, {
    transports: ['websocket'],
    reconnection: false,
  });
  clients.push(socket);
  const received = { updates: [] as string[], signals: [] as string[] };
  socket.on('confluence.updated', (event: LiveUpdate) => {
    received.updates.push(`${streamRoom(event)} ${String(event.candleTime)}`);
  });
  socket.on('signal.changed', (event: LiveSignalChange) => {
    received.signals.push(`${streamRoom(event)} ${String(event.time)}`);
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('connect_error', reject);
  });
  const request: SubscriptionRequest = { ...stream, symbol };
  // No result is stored yet, so the snapshot is null.
  expect(await socket.emitWithAck('subscribe', request)).toEqual({
    ok: true,
    room: streamRoom(stream),
    snapshot: null,
  });
  return received;
}

async function weights(index: 0 | 1, key: string): Promise<Response> {
  return fetch(url(index, '/v1/weights'), { headers: { 'X-API-Key': key } });
}

beforeAll(async () => {
  for (const entry of Object.values(ENTRIES))
    if (!existsSync(join(REPO_ROOT, entry)))
      throw new Error(`${entry} is missing: run \`npm run build\` first`);

  fixture = createConfigFixture();
  fixture.patch('app.yaml', 'mode: local', 'mode: distributed');
  fixture.patch('app.yaml', 'keyPrefix: confluence', `keyPrefix: ${prefix}`);
  fixture.patch(
    'app.yaml',
    '    indicators: { limit: 30, ttlSeconds: 60 }',
    `    indicators: { limit: 30, ttlSeconds: 60 }\n    weights: { limit: ${String(WEIGHTS_LIMIT)}, ttlSeconds: 60 }`,
  );
  redis = new Redis(REDIS_URL);
  // The test only publishes; the bus wants a subscriber connection all the same (never connected).
  subscriber = new Redis(REDIS_URL, { lazyConnect: true });
  const keys = new RedisKeys(prefix);
  bus = new RedisEventBus({
    publisher: redis,
    subscriber,
    keys,
    streamMaxLength: 1000,
    logger: { warn: () => undefined, error: () => undefined },
  });

  const store = start(ENTRIES.store, {}, ['--port', '0']);
  const mongodbUri = `${(await store.waitFor(/mongodb:\/\/127\.0\.0\.1:\d+\//)).replace(/\/$/, '')}/confluence`;
  const env = {
    NODE_ENV: 'development',
    CONFIG_DIR: fixture.dir,
    REDIS_URL,
    MONGODB_URI: mongodbUri,
    API_KEY_HASHES: `alpha:${hashApiKey(KEYS.alpha)},beta:${hashApiKey(KEYS.beta)}`,
  };
  const ports = [await freePort(), await freePort()];
  gateways = ports.map((port) => ({ process: start(ENTRIES.gateway, { ...env, PORT: String(port) }), port }));
  await Promise.all(gateways.map(({ process: child }) => child.waitFor(/api-gateway listening/)));
  // Both gateways hear the bus, and both Socket.IO adapters hear each other, before anything is published.
  await until(async () => {
    const counts = (await redis?.pubsub(
      'NUMSUB',
      keys.channel(AnalysisEventName.ConfluenceUpdated),
      keys.channel(AnalysisEventName.SignalChanged),
      `${prefix}:socket.io-request#${SIGNALS_NAMESPACE}#`,
    )) as (string | number)[];
    return counts.filter((_, index) => index % 2 === 1).every((count) => Number(count) === 2);
  }, 'the gateways to subscribe');
}, 60_000);

afterAll(async () => {
  for (const socket of clients.splice(0)) socket.disconnect();
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
  subscriber?.disconnect();
  fixture?.cleanup();
});

describe('api-gateway, two replicas on real Redis', () => {
  it('tracks the configured live markets on both replicas and reports Redis and the bus up', async () => {
    const expected = ['BTC/USDT', 'LTC/USDT'].flatMap((symbol) =>
      ['1m', '5m'].map((timeframe) => ({ exchange: 'binance', symbol, timeframe, status: 'waiting' })),
    );
    for (const index of [0, 1] as const) {
      const markets = (await (await fetch(url(index, '/v1/markets'))).json()) as {
        markets: { exchange: string; symbol: string; timeframe: string; status: string }[];
      };
      expect(
        markets.markets.map(({ exchange, symbol, timeframe, status }) => ({
          exchange,
          symbol,
          timeframe,
          status,
        })),
      ).toEqual(expected);

      const response = await fetch(url(index, '/health/ready'));
      expect(response.status).toBe(200);
      const body = (await response.json()) as {
        status: string;
        checks: Record<string, Record<string, unknown>>;
      };
      // Market data is degraded (no market-data process publishes candles); everything else is up.
      expect(body.status).toBe('degraded');
      expect(body.checks.store?.status).toBe('up');
      expect(body.checks.redis).toEqual({ status: 'up' });
      expect(body.checks.bus).toMatchObject({ status: 'up', transport: 'redis', rejected: 0 });
      expect(body.checks.marketData?.status).toBe('degraded');
    }
  });

  it('delivers every update exactly once to the subscribers of its stream on either replica', async () => {
    const onA = await subscribeClient(0, BTC_1M);
    const onB = await subscribeClient(1, BTC_1M, 'BTC-USDT');
    const otherOnB = await subscribeClient(1, LTC_5M);

    // 40 BTC 1m results and 8 LTC 5m results interleaved, and 4 BTC signal changes.
    const btc: string[] = [];
    const ltc: string[] = [];
    const btcSignals: string[] = [];
    for (let i = 0; i < 40; i += 1) {
      const time = T0 + i * 60_000;
      await eventBus().publish(AnalysisEventName.ConfluenceUpdated, update(BTC_1M, time));
      btc.push(`binance:BTC/USDT:1m ${String(time)}`);
      if (i % 5 === 4) {
        const ltcTime = T0 + i * 300_000;
        await eventBus().publish(AnalysisEventName.ConfluenceUpdated, update(LTC_5M, ltcTime));
        ltc.push(`binance:LTC/USDT:5m ${String(ltcTime)}`);
      }
      if (i % 10 === 9) {
        await publishSignal(BTC_1M, time);
        btcSignals.push(`binance:BTC/USDT:1m ${String(time)}`);
      }
    }
    await barrier();
    await until(
      () =>
        onA.updates.length >= btc.length &&
        onB.updates.length >= btc.length &&
        otherOnB.updates.length >= ltc.length &&
        onA.signals.length >= btcSignals.length &&
        onB.signals.length >= btcSignals.length,
      'every subscriber to receive its updates',
    );
    // Room for a duplicate to arrive, if any was sent.
    await new Promise((resolve) => setTimeout(resolve, 300));

    // Each replica's emits reach a client in order, but the two replicas' emits interleave.
    expect([...onA.updates].sort()).toEqual([...btc].sort());
    expect([...onA.signals].sort()).toEqual([...btcSignals].sort());
    expect([...onB.updates].sort()).toEqual([...btc].sort());
    expect([...onB.signals].sort()).toEqual([...btcSignals].sort());
    // The client on B subscribed to another stream got that stream only.
    expect(otherOnB).toEqual({ updates: ltc, signals: [] });

    // One replica emitted each update: the two counts add up to what was published, no more.
    const [emittedA, emittedB] = [
      await emitted(0, 'confluence.updated'),
      await emitted(1, 'confluence.updated'),
    ];
    expect(emittedA + emittedB).toBe(btc.length + ltc.length);
    expect((await emitted(0, 'signal.changed')) + (await emitted(1, 'signal.changed'))).toBe(
      signalsPublished,
    );

    // Gateway A frozen: B claims and emits every update meanwhile; A's client receives them once A
    // runs again, through the adapter, while A loses every claim on its backlog.
    gateway(0).process.signal('SIGSTOP');
    const paused: string[] = [];
    try {
      for (let i = 40; i < 50; i += 1) {
        const time = T0 + i * 60_000;
        await eventBus().publish(AnalysisEventName.ConfluenceUpdated, update(BTC_1M, time));
        paused.push(`binance:BTC/USDT:1m ${String(time)}`);
      }
      await until(
        async () => (await emitted(1, 'confluence.updated')) === emittedB + paused.length,
        'gateway B to emit the updates',
      );
    } finally {
      gateway(0).process.signal('SIGCONT');
    }
    await barrier();
    await until(
      () => onA.updates.length >= btc.length + paused.length,
      "gateway A's client to receive what gateway B emitted",
    );
    await new Promise((resolve) => setTimeout(resolve, 300));

    expect(await emitted(0, 'confluence.updated')).toBe(emittedA);
    expect(await emitted(1, 'confluence.updated')).toBe(emittedB + paused.length);
    expect([...onA.updates].sort()).toEqual([...btc, ...paused].sort());
    expect([...onB.updates].sort()).toEqual([...btc, ...paused].sort());
    expect(otherOnB).toEqual({ updates: ltc, signals: [] });
  }, 60_000);

  it('shares the per-route rate limit of a key across replicas, and gives another key its own', async () => {
    // Alternating replicas, alpha's first five requests pass; the sixth is refused wherever it lands.
    for (let i = 0; i < WEIGHTS_LIMIT; i += 1) {
      const response = await weights(i % 2 === 0 ? 0 : 1, KEYS.alpha);
      expect({ request: i + 1, status: response.status }).toEqual({ request: i + 1, status: 200 });
    }
    for (const index of [1, 0] as const) {
      const refused = await weights(index, KEYS.alpha);
      expect(refused.status).toBe(429);
      const retryAfter = Number(refused.headers.get('retry-after'));
      expect(Number.isInteger(retryAfter)).toBe(true);
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(60);
    }
    // The limit is per route: alpha still reads the markets.
    expect((await fetch(url(0, '/v1/markets'), { headers: { 'X-API-Key': KEYS.alpha } })).status).toBe(200);

    // beta has a budget of its own, shared across the replicas the same way.
    for (let i = 0; i < WEIGHTS_LIMIT; i += 1) {
      const response = await weights(i % 2 === 0 ? 1 : 0, KEYS.beta);
      expect({ request: i + 1, status: response.status }).toEqual({ request: i + 1, status: 200 });
    }
    const refused = await weights(0, KEYS.beta);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
  });
});
