import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, expect } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { loadConfig } from '@app/config';
import { AnalysisEventName, EventBus, type Timeframe } from '@app/contracts';
import {
  type ConfluenceUpdatedEvent,
  type EventData,
  type LlmOpinionEvent,
  type SignalChangedEvent,
} from '@app/contracts/dto';
import { createServiceApp } from '@app/platform';
import {
  busEventFactory,
  type ConfigFixture,
  createConfigFixture,
  createReplayDataDir,
  eventually,
  httpServerOf,
  MARKET_FILES,
  type ReplayDataDir,
} from '@app/testing';
import { SignalsGateway } from '../apps/api-gateway/src/socket/signals.gateway.js';
import { localService } from '../local/local.definition.js';
import { BOOT_TIMEOUT_MS, waitForStoredReplay } from './gateway-kit.js';
import { connectClient, type SignalsClient } from './socket-kit.js';

/**
 * The app of the gateway-socket-*.e2e-spec.ts suites: the whole app in local mode, listening on a
 * real port, with app.yaml's `socket:` section set by the suite. Updates are put on the app's own
 * bus, as the analysis worker does, once the replay has finished.
 */

export interface Stream {
  readonly exchange: string;
  readonly symbol: string;
  readonly timeframe: Timeframe;
}

export const BTC_1M: Stream = { exchange: 'binance', symbol: 'BTC/USDT', timeframe: '1m' };
export const BTC_5M: Stream = { exchange: 'binance', symbol: 'BTC/USDT', timeframe: '5m' };
/** Tracked (its replay file exists) but too short to warm up: never has a result. */
export const LTC_1M: Stream = { exchange: 'binance', symbol: 'LTC/USDT', timeframe: '1m' };

const REPLAY = [
  { file: MARKET_FILES.btc1m, limit: 250 },
  { file: MARKET_FILES.btc5m, limit: 5 },
  { file: MARKET_FILES.ltc1m, limit: 5 },
];

export const API_KEY = 'socket-test-key-8d1f0c2e9a7b4d65';

interface Running {
  readonly app: INestApplication;
  readonly port: number;
  readonly fixture: ConfigFixture;
  readonly data: ReplayDataDir;
}

export interface SocketSettings {
  readonly maxSubscriptionsPerSocket: number;
  readonly maxConnectionsPerIp: number;
  readonly messagesPerSecond: number;
  readonly pingIntervalMs: number;
  readonly pingTimeoutMs: number;
  /** app.yaml's default (10 s) when left out. */
  readonly connectTimeoutMs?: number;
}

/** The settings of the subscription and connection suites. */
export const SIGNALS_SETTINGS: SocketSettings = {
  maxSubscriptionsPerSocket: 2,
  maxConnectionsPerIp: 2000,
  messagesPerSecond: 10,
  // A peer that does not answer a ping (every second) within 5 s is dropped; live clients
  // have 5 s to answer, ample while 700 connections share this process.
  pingIntervalMs: 1000,
  pingTimeoutMs: 5000,
};

interface BootOptions {
  readonly socketsRequireKey?: boolean;
  readonly onBus?: (bus: EventBus) => void;
}

/** Boots local mode with app.yaml's `socket:` section replaced, and waits out the replay. */
async function boot(socket: SocketSettings, options: BootOptions = {}): Promise<Running> {
  const data = createReplayDataDir(REPLAY);
  const fixture = createConfigFixture();
  fixture.patch('exchanges.yaml', 'speed: 60', 'speed: max');
  fixture.patch('app.yaml', 'logUpdates: true', 'logUpdates: false');
  const section = Object.entries({ ...socket, maxMessageBytes: 16_384 })
    .map(([key, value]) => `  ${key}: ${value}\n`)
    .join('');
  const appYaml = readFileSync(join(fixture.dir, 'app.yaml'), 'utf8');
  const replaced = appYaml.replace(/^socket:\n(?: {2}.*\n)+/m, `socket:\n${section}`);
  expect(replaced).not.toBe(appYaml);
  fixture.write('app.yaml', replaced);
  if (options.socketsRequireKey === true)
    fixture.patch('app.yaml', 'socketsRequireKey: false', 'socketsRequireKey: true');
  const config = loadConfig({
    env: {
      CONFIG_DIR: fixture.dir,
      DATA_DIR: data.dir,
      API_KEY_HASHES: `sockets:${createHash('sha256').update(API_KEY).digest('hex')}`,
    },
  });
  const app = await createServiceApp(config, localService);
  options.onBus?.(app.get(EventBus));
  await app.listen(0, '127.0.0.1');
  const { port } = httpServerOf(app).address() as AddressInfo;
  await waitForStoredReplay(app);
  return { app, port, fixture, data };
}

async function stop(running: Running | undefined): Promise<void> {
  await running?.app.close();
  running?.fixture.cleanup();
  running?.data.cleanup();
}

export interface SignalsApp {
  port(): number;
  app(): INestApplication;
  /** A client closed after the test. */
  open(options?: Parameters<typeof connectClient>[1]): Promise<SignalsClient>;
  publish(event: EventData<ConfluenceUpdatedEvent>): Promise<void>;
  publishSignal(event: EventData<SignalChangedEvent>): Promise<void>;
  publishOpinion(event: EventData<LlmOpinionEvent>): Promise<void>;
  metrics(): Promise<string>;
}

/**
 * Boots the app before the tests of the calling describe block and stops it after them. After
 * each test its clients are closed and `settled` awaited (by default: the gateway holds no
 * connection), so each test starts from an empty namespace and its counts are its own.
 */
export function signalsApp(
  socket: SocketSettings,
  options: BootOptions & { readonly settled?: (app: INestApplication) => boolean } = {},
): SignalsApp {
  let running: Running | undefined;
  const clients: SignalsClient[] = [];
  const settled = options.settled ?? ((app) => app.get(SignalsGateway).openConnections() === 0);

  const port = (): number => running?.port ?? 0;
  const app = (): INestApplication => {
    if (running === undefined) throw new Error('app not running');
    return running.app;
  };

  beforeAll(async () => {
    running = await boot(socket, options);
  }, BOOT_TIMEOUT_MS);

  afterEach(async () => {
    for (const client of clients.splice(0)) client.close();
    await eventually(() => settled(app()), 'every connection to close');
  });

  afterAll(async () => {
    for (const client of clients.splice(0)) client.close();
    await stop(running);
  });

  return {
    port,
    app,
    async open(clientOptions = {}) {
      const client = await connectClient(port(), clientOptions);
      clients.push(client);
      return client;
    },
    async publish(event) {
      await app().get(EventBus).publish(AnalysisEventName.ConfluenceUpdated, event);
    },
    async publishSignal(event) {
      await app().get(EventBus).publish(AnalysisEventName.SignalChanged, event);
    },
    async publishOpinion(event) {
      await app().get(EventBus).publish(AnalysisEventName.LlmOpinion, event);
    },
    metrics: async () => (await request(httpServerOf(app())).get('/metrics').expect(200)).text,
  };
}

/** A valid `confluence.updated` payload of a stream (trigger refresh: published, never stored). */
export function update(stream: Stream, n: number): EventData<ConfluenceUpdatedEvent> {
  return {
    ...stream,
    source: 'replay',
    emittedAt: 1_700_000_000_000 + n,
    candleTime: 1_613_692_800_000 + n * 60_000,
    trigger: 'refresh',
    inputEmittedAt: 1_700_000_000_000 + n,
    computedAt: 1_700_000_000_000 + n,
    score: 40 + (n % 20),
    label: 'NEUTRAL',
    confidence: 12.5,
    coverage: 0.25,
    components: {
      orderFlow: null,
      orderBook: null,
      volume: 55,
      priceStructure: 48,
      technical: 41.5,
      sentiment: null,
    },
    engineVersion: 'test-engine',
    configHash: 'c'.repeat(64),
    inputHash: n.toString(16).padStart(64, '0'),
    reasoning: `update ${n}`,
  };
}

export function signalChange(stream: Stream, n: number): EventData<SignalChangedEvent> {
  return {
    ...stream,
    source: 'replay',
    emittedAt: 1_700_000_000_000 + n,
    time: 1_613_692_800_000 + n * 60_000,
    from: 'SHORT',
    to: 'LONG',
    score: 71,
    confidence: 33,
  };
}

/** A valid `llm.opinion` payload about the result of `update(stream, n)`. */
export function opinion(stream: Stream, n: number): EventData<LlmOpinionEvent> {
  const about = update(stream, n);
  return busEventFactory.llmOpinion({
    ...stream,
    source: 'replay',
    emittedAt: about.emittedAt + 2_000,
    candleTime: about.candleTime,
    inputHash: about.inputHash,
    score: about.score,
    label: about.label,
  });
}

/** Everything a client receives, in arrival order. */
export interface Received {
  readonly updates: EventData<ConfluenceUpdatedEvent>[];
  readonly signals: EventData<SignalChangedEvent>[];
  readonly opinions: EventData<LlmOpinionEvent>[];
}

export function record(client: SignalsClient): Received {
  const received: Received = { updates: [], signals: [], opinions: [] };
  client.on('confluence.updated', (event) => received.updates.push(event));
  client.on('signal.changed', (event) => received.signals.push(event));
  client.on('llm.opinion', (event) => received.opinions.push(event));
  return received;
}

/** Whether a client has received the update marked `n` (a marker published last, to flush). */
export const hasUpdate = (received: Received, n: number): boolean =>
  received.updates.some((event) => event.reasoning === `update ${n}`);
