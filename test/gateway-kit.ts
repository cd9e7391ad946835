import { createHash } from 'node:crypto';
import type { Server } from 'node:http';
import { expect } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import type { Response } from 'supertest';
import type { Candle } from '@app/confluence';
import { type ConfluenceConfig, loadConfig } from '@app/config';
import type { MarketDataStatus } from '@app/market';
import { StoreWriter } from '@app/persistence';
import { createServiceApp, initServiceApp } from '@app/platform';
import {
  type ConfigFixture,
  createConfigFixture,
  createReplayDataDir,
  eventually,
  httpServerOf,
  MARKET_FILES,
  type ReplayDataDir,
} from '@app/testing';
import { localService } from '../local/local.definition.js';

/**
 * A local-mode app (all three apps in one process) for gateway tests: a short replay at
 * `replay.speed: max`, config patches, API keys through API_KEY_HASHES, and a wait until every
 * replayed candle is analysed and its result stored.
 */

export interface ReplayFileSpec {
  readonly file: string;
  readonly limit: number;
  /** Another file name (so another market) for the same candles. */
  readonly as?: string;
}

/** BTC 1m and 5m and LTC 1m: enough for hundreds of results per stream in about a second. */
export const SHORT_REPLAY: readonly ReplayFileSpec[] = [
  { file: MARKET_FILES.btc1m, limit: 400 },
  { file: MARKET_FILES.btc5m, limit: 120 },
  { file: MARKET_FILES.ltc1m, limit: 400 },
];

/** Replaces `from` with `to` in a config file (throws when `from` is absent). */
export interface ConfigPatch {
  readonly file: string;
  readonly from: string;
  readonly to: string;
}

export interface TestApiKey {
  readonly name: string;
  readonly key: string;
  readonly sha256: string;
}

/** A deterministic API key for a name, with the SHA-256 that API_KEY_HASHES holds. */
export function testApiKey(name: string): TestApiKey {
  const key = `ck_${createHash('sha256').update(`confluence-test-key:${name}`).digest('base64url')}`;
  return { name, key, sha256: createHash('sha256').update(key, 'utf8').digest('hex') };
}

/** `API_KEY_HASHES` for these keys: `name:<sha256 hex>,...`. */
export function apiKeyHashes(keys: readonly TestApiKey[]): string {
  return keys.map((k) => `${k.name}:${k.sha256}`).join(',');
}

export interface LocalGatewayOptions {
  readonly files?: readonly ReplayFileSpec[];
  readonly patches?: readonly ConfigPatch[];
  /** Config files written whole (after the patches), path relative to the config dir. */
  readonly writes?: Readonly<Record<string, string>>;
  readonly apiKeys?: readonly TestApiKey[];
  /** More environment variables (CONFIG_DIR, DATA_DIR and API_KEY_HASHES are set from the above). */
  readonly env?: Readonly<Record<string, string>>;
  /** Wait until the replay is published, analysed and stored (default true). */
  readonly awaitReplay?: boolean;
  readonly replayTimeoutMs?: number;
}

export interface LocalGateway {
  readonly app: INestApplication;
  readonly server: Server;
  readonly config: ConfluenceConfig;
  readonly dataDir: string;
  /** market-data's status once the replay finished (null when not awaited). */
  readonly replay: MarketDataStatus | null;
  close(): Promise<void>;
}

/** The patches every gateway fixture starts from: a replay as fast as possible, quiet workers. */
export const BASE_PATCHES: readonly ConfigPatch[] = [
  { file: 'exchanges.yaml', from: 'speed: 60', to: 'speed: max' },
  { file: 'app.yaml', from: 'logUpdates: true', to: 'logUpdates: false' },
];

/** app.yaml patches setting the default and POST route rate limits (e.g. high, so 429 hides nothing). */
export function rateLimitPatches(limits: {
  readonly default?: number;
  readonly analyze?: number;
  readonly indicators?: number;
}): ConfigPatch[] {
  const patches: ConfigPatch[] = [];
  if (limits.default !== undefined)
    patches.push({
      file: 'app.yaml',
      from: 'default: { limit: 120, ttlSeconds: 60 }',
      to: `default: { limit: ${limits.default}, ttlSeconds: 60 }`,
    });
  if (limits.analyze !== undefined)
    patches.push({
      file: 'app.yaml',
      from: 'analyze: { limit: 20, ttlSeconds: 60 }',
      to: `analyze: { limit: ${limits.analyze}, ttlSeconds: 60 }`,
    });
  if (limits.indicators !== undefined)
    patches.push({
      file: 'app.yaml',
      from: 'indicators: { limit: 30, ttlSeconds: 60 }',
      to: `indicators: { limit: ${limits.indicators}, ttlSeconds: 60 }`,
    });
  return patches;
}

/**
 * How long booting a local app and storing its short replay may take before a test gives up: a
 * safety net (it takes 5–15 s on a quiet 2-core machine; both cores busy and more suites beside,
 * several times that), never what a test measures.
 */
export const BOOT_TIMEOUT_MS = 300_000;

/** How long waiting for a replay to be stored may take (a safety net, see BOOT_TIMEOUT_MS). */
export const REPLAY_TIMEOUT_MS = 240_000;

/**
 * Polls market-data's health until its replay has finished (every candle published; the in-process
 * bus awaits the worker, so every candle is analysed too), then flushes the store writer.
 */
export async function waitForStoredReplay(
  app: INestApplication,
  timeoutMs = REPLAY_TIMEOUT_MS,
): Promise<MarketDataStatus> {
  const server = httpServerOf(app);
  let status: MarketDataStatus | undefined;
  const finished = async (): Promise<boolean> => {
    status = (await request(server).get('/health/market-data').expect(200)).body as MarketDataStatus;
    return status.replay?.finished === true;
  };
  // On a timeout the last status tells a slow replay (still publishing) from a stuck one.
  await eventually(finished, 'the replay to finish', { timeoutMs }).catch((error: unknown) => {
    throw new Error(`${(error as Error).message}; last: ${JSON.stringify(status?.replay)}`);
  });
  await app.get(StoreWriter).flush();
  return status as MarketDataStatus;
}

/** Builds and initialises (no listening) a local-mode app over a short replay. */
export async function startLocalGateway(options: LocalGatewayOptions = {}): Promise<LocalGateway> {
  const data: ReplayDataDir = createReplayDataDir(options.files ?? SHORT_REPLAY);
  const fixture: ConfigFixture = createConfigFixture();
  let app: INestApplication | undefined;
  const cleanup = (): void => {
    fixture.cleanup();
    data.cleanup();
  };
  try {
    for (const { file, from, to } of [...BASE_PATCHES, ...(options.patches ?? [])])
      fixture.patch(file, from, to);
    for (const [file, text] of Object.entries(options.writes ?? {})) fixture.write(file, text);
    const keys = options.apiKeys ?? [];
    const config = loadConfig({
      env: {
        ...options.env,
        CONFIG_DIR: fixture.dir,
        DATA_DIR: data.dir,
        ...(keys.length > 0 ? { API_KEY_HASHES: apiKeyHashes(keys) } : {}),
      },
    });
    app = await createServiceApp(config, localService);
    await initServiceApp(app);
    const replay =
      options.awaitReplay === false ? null : await waitForStoredReplay(app, options.replayTimeoutMs);
    const built = app;
    return {
      app: built,
      server: httpServerOf(built),
      config,
      dataDir: data.dir,
      replay,
      close: async () => {
        try {
          await built.close();
        } finally {
          cleanup();
        }
      },
    };
  } catch (error) {
    await app?.close();
    cleanup();
    throw error;
  }
}

export interface ErrorBody {
  readonly statusCode: number;
  readonly error: string;
  readonly message: string;
  readonly errors?: readonly { readonly field: string; readonly message: string }[];
  readonly requestId: string;
}

/** supertest types a JSON body as `any`; each test names the shape it reads. */
export function bodyOf<T>(response: { readonly body: T }): T {
  return response.body;
}

/** The one error shape, its status, and the request id of the answer's header. */
export function expectError(response: Response, status: number): ErrorBody {
  const body = bodyOf<ErrorBody>(response);
  expect(response.status).toBe(status);
  expect(response.headers['content-type']).toMatch(/^application\/json/);
  expect(body).toMatchObject({
    statusCode: status,
    error: expect.any(String),
    message: expect.any(String),
    requestId: response.headers['x-request-id'],
  });
  expect(JSON.stringify(body)).not.toMatch(/\n\s+at |node_modules|\.ts:\d+/);
  return body;
}

/** Candles aligned to 1m from a start, each a valid bar (for size and validation cases). */
export function syntheticCandles(count: number, start = 1_613_692_800_000): Candle[] {
  return Array.from({ length: count }, (_, i) => {
    const open = 100 + Math.sin(i / 7) * 3;
    const close = 100 + Math.sin((i + 1) / 7) * 3;
    return {
      timestamp: start + i * 60_000,
      open,
      high: Math.max(open, close) + 0.5,
      low: Math.min(open, close) - 0.5,
      close,
      volume: 10 + (i % 5),
    };
  });
}

/** One stream of GET /v1/markets. */
export interface MarketView {
  readonly exchange: string;
  readonly symbol: string;
  readonly timeframe: string;
  readonly status: string;
  readonly source: string | null;
  readonly candlesSeen: number;
  readonly lastCandleTime: string | null;
  readonly lastResult: { readonly candleTime: string; readonly score: number; readonly label: string } | null;
}

/**
 * For `value ?? fail()` where the test needs a value to go on: Jest 30 has no global `fail`
 * (the one @types/jest declares would throw a ReferenceError instead of saying what is missing).
 */
export function fail(what = 'a value the test needs'): never {
  throw new Error(`missing: ${what}`);
}
