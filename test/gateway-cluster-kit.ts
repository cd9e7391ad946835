import { createHash, randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect } from '@jest/globals';
import { Redis } from 'ioredis';
import { io } from 'socket.io-client';
import { RedisEventBus, RedisKeys } from '@app/bus';
import {
  AnalysisEventName,
  type LiveSignalChange,
  type LiveUpdate,
  SIGNALS_NAMESPACE,
  type SubscriptionRequest,
  streamRoom,
} from '@app/contracts';
import { type BusEventData } from '@app/contracts/dto';
import { hashApiKey } from '@app/gateway';
import {
  type ConfigFixture,
  createConfigFixture,
  eventually,
  freePort,
  REPO_ROOT,
  SpawnedProcess,
} from '@app/testing';
import type { SignalsClient } from './socket-kit.js';

/**
 * Two api-gateway processes in distributed mode on the real Redis, with the embedded store as a
 * process of its own (test/gateway-distributed.e2e-spec.ts). No market-data or worker runs: the
 * test publishes the analysis events on the Redis bus itself, as a worker would. Needs
 * `npm run build` (npm test does it).
 */

const REDIS_URL = 'redis://127.0.0.1:6379';
const ENTRIES = {
  store: 'dist/tools/embedded-mongo/main.js',
  gateway: 'dist/apps/api-gateway/src/main.js',
} as const;
export const KEYS = { alpha: `alpha-${randomUUID()}`, beta: `beta-${randomUUID()}` } as const;
export const WEIGHTS_LIMIT = 5;

export const BTC_1M = { exchange: 'binance', symbol: 'BTC/USDT', timeframe: '1m' } as const;
export const LTC_5M = { exchange: 'binance', symbol: 'LTC/USDT', timeframe: '5m' } as const;
/** Nobody subscribes to it: the barrier signals go there. */
const LTC_1M = { exchange: 'binance', symbol: 'LTC/USDT', timeframe: '1m' } as const;
type Stream = typeof BTC_1M | typeof LTC_5M | typeof LTC_1M;
export const T0 = Date.UTC(2024, 0, 1);

export function update(
  stream: Stream,
  candleTime: number,
): BusEventData<typeof AnalysisEventName.ConfluenceUpdated> {
  const headline = {
    ...stream,
    candleTime,
    computedAt: candleTime + 60_900,
    score: 42.5,
    label: 'NEUTRAL',
    confidence: 12,
    coverage: 0.4,
    engineVersion: 'test',
    configHash: 'c'.repeat(64),
    inputHash: createHash('sha256')
      .update(`${streamRoom(stream)} ${String(candleTime)}`)
      .digest('hex'),
  } as const;
  return {
    ...headline,
    source: 'live',
    emittedAt: candleTime + 61_000,
    trigger: 'candle',
    inputEmittedAt: candleTime + 60_500,
    components: {
      orderFlow: null,
      orderBook: null,
      volume: 40,
      priceStructure: 55,
      technical: 38,
      sentiment: null,
    },
    reasoning: `${stream.symbol} ${stream.timeframe} NEUTRAL 42.5`,
    // A candle update carries its domain result (its headline is what the gateways check).
    result: { ...headline, staleness: 0 },
  };
}

interface Gateway {
  readonly process: SpawnedProcess;
  readonly port: number;
}

export interface GatewayCluster {
  gateway(index: 0 | 1): Gateway;
  url(index: 0 | 1, path: string): string;
  /** Sum of a Prometheus sample over the series whose labels include `labels`. */
  metric(index: 0 | 1, name: string, labels?: Readonly<Record<string, string>>): Promise<number>;
  emitted(index: 0 | 1, event: 'confluence.updated' | 'signal.changed'): Promise<number>;
  eventBus(): RedisEventBus;
  publishSignal(stream: Stream, time: number): Promise<void>;
  /** Signal changes published so far, the barrier's included. */
  signalsPublished(): number;
  /**
   * Publishes a signal change nobody subscribes to and waits until both gateways have counted it.
   * Each gateway handles its bus messages one at a time in arrival order, every handler awaited,
   * so by then it has finished with every message published before (emits included).
   */
  barrier(): Promise<void>;
  /** A /signals client on one gateway, subscribed to one stream, recording what it receives. */
  subscribeClient(
    index: 0 | 1,
    stream: Stream,
    symbol?: string,
  ): Promise<{ readonly updates: string[]; readonly signals: string[] }>;
  weights(index: 0 | 1, key: string): Promise<Response>;
}

export interface GatewayClusterOptions {
  /** Changes to the gateways' configuration, after the kit's own (distributed mode, key prefix, limits). */
  readonly configure?: (fixture: ConfigFixture) => void;
}

/** Starts the cluster before the tests of the calling describe block and tears it down after them. */
export function twoGatewayCluster(options: GatewayClusterOptions = {}): GatewayCluster {
  const running: SpawnedProcess[] = [];
  const clients: SignalsClient[] = [];
  const prefix = `test-gateway-${randomUUID()}`;
  let fixture: ConfigFixture | undefined;
  let redis: Redis | undefined;
  let subscriber: Redis | undefined;
  let bus: RedisEventBus | undefined;
  let gateways: Gateway[] = [];
  let signalsPublished = 0;

  function start(entry: string, env: NodeJS.ProcessEnv, args: readonly string[] = []): SpawnedProcess {
    const child = SpawnedProcess.node(entry, { PATH: process.env.PATH, TZ: 'UTC', ...env }, args);
    running.push(child);
    return child;
  }

  function gateway(index: 0 | 1): Gateway {
    const found = gateways[index];
    if (found === undefined) throw new Error(`gateway ${String(index)} did not start`);
    return found;
  }

  function url(index: 0 | 1, path: string): string {
    return `http://127.0.0.1:${String(gateway(index).port)}${path}`;
  }

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

  function eventBus(): RedisEventBus {
    if (bus === undefined) throw new Error('the bus is not set up');
    return bus;
  }

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
    options.configure?.(fixture);
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
    gateways = ports.map((port) => ({
      process: start(ENTRIES.gateway, { ...env, PORT: String(port) }),
      port,
    }));
    await Promise.all(gateways.map(({ process: child }) => child.waitFor(/api-gateway listening/)));
    // Both gateways hear the bus before anything is published.
    await eventually(async () => {
      const counts = (await redis?.pubsub(
        'NUMSUB',
        keys.channel(AnalysisEventName.ConfluenceUpdated),
        keys.channel(AnalysisEventName.SignalChanged),
      )) as (string | number)[];
      return counts.filter((_, index) => index % 2 === 1).every((count) => Number(count) === 2);
    }, 'the gateways to subscribe');
  });

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

  return {
    gateway,
    url,
    metric,
    emitted: (index, event) => metric(index, 'confluence_socket_updates_emitted_total', { event }),
    eventBus,
    publishSignal,
    signalsPublished: () => signalsPublished,
    async barrier() {
      await publishSignal(LTC_1M, T0 + 1_000_000_000 + signalsPublished * 60_000);
      const expected = signalsPublished;
      await eventually(
        async () =>
          (await metric(0, 'confluence_signal_changes_total')) === expected &&
          (await metric(1, 'confluence_signal_changes_total')) === expected,
        `both gateways to handle ${String(expected)} signal changes`,
      );
    },
    async subscribeClient(index, stream, symbol = stream.symbol) {
      const socket: SignalsClient = io(
        `http://127.0.0.1:${String(gateway(index).port)}${SIGNALS_NAMESPACE}`,
        {
          transports: ['websocket'],
          reconnection: false,
        },
      );
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
    },
    weights: (index, key) => fetch(url(index, '/v1/weights'), { headers: { 'X-API-Key': key } }),
  };
}
