import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import type { Response } from 'supertest';
import { loadConfig } from '@app/config';
import { MarketBoard } from '@app/gateway';
import { ConfluenceLogger, createServiceApp, initServiceApp, type LogStream } from '@app/platform';
import {
  type ConfigFixture,
  createConfigFixture,
  createReplayDataDir,
  httpServerOf,
  MARKET_FILES,
  type ReplayDataDir,
} from '@app/testing';
import { localService } from '../local/local.definition.js';
import { apiKeyHashes, BASE_PATCHES, BOOT_TIMEOUT_MS, syntheticCandles, testApiKey } from './gateway-kit.js';

/**
 * A client that sends its API key in the query string (`?api_key=…`, or any other secret name)
 * instead of the X-API-Key header: whatever the gateway answers, and whichever of its lines log the
 * request's URL (the request line at warn or debug, a 500's detail at error), the key never reaches
 * the log. The whole local-mode app, its every line captured at debug level through the process
 * logger (ConfluenceLogger, as `runService` builds it).
 */

const alpha = testApiKey('logging-alpha');
/** A key no deployment knows (a client configured for another one). */
const STRANGER = 'ck_stranger-key-0123456789abcdef';

/** Every line written, stdout and stderr alike. */
function capture(): { stream: LogStream; text: () => string; lines: () => string[] } {
  const chunks: string[] = [];
  return {
    stream: { write: (chunk: string) => chunks.push(chunk) },
    text: () => chunks.join(''),
    lines: () => chunks.join('').split('\n'),
  };
}

describe('an API key sent in the query string never reaches the log', () => {
  const log = capture();
  let app: INestApplication;
  let fixture: ConfigFixture;
  let data: ReplayDataDir;

  beforeAll(async () => {
    data = createReplayDataDir([{ file: MARKET_FILES.btc1m, limit: 80 }]);
    fixture = createConfigFixture();
    for (const { file, from, to } of [
      ...BASE_PATCHES,
      // Successful requests are logged too, at debug.
      { file: 'app.yaml', from: 'level: log', to: 'level: debug' },
    ])
      fixture.patch(file, from, to);
    const config = loadConfig({
      env: { CONFIG_DIR: fixture.dir, DATA_DIR: data.dir, API_KEY_HASHES: apiKeyHashes([alpha]) },
    });
    const logger = new ConfluenceLogger({
      service: 'local',
      level: 'debug',
      format: 'json',
      secrets: [],
      streams: { stdout: log.stream, stderr: log.stream },
    });
    app = await createServiceApp(config, localService, logger);
    await initServiceApp(app);
  }, BOOT_TIMEOUT_MS);

  afterAll(async () => {
    await app.close();
    fixture.cleanup();
    data.cleanup();
  });

  it.each([
    ['api_key', alpha.key],
    ['api_key', STRANGER],
    ['apikey', alpha.key],
    ['apiKey', STRANGER],
    ['x-api-key', alpha.key],
    ['token', alpha.key],
    ['access_token', STRANGER],
    ['key', alpha.key],
    // Spelt to slip past a plain-text match of the name.
    ['api%5Fkey', alpha.key],
    ['API_KEY', STRANGER],
    ['api_key[]', alpha.key],
  ])('?%s=<key>: masked in every line that logs the URL, whatever the answer', async (name, key) => {
    const api = (): ReturnType<typeof request> => request(httpServerOf(app));
    const query = `${name}=${encodeURIComponent(key)}`;
    const logged: [string, Response][] = [
      // The case: the key in the query, none in the header: 401.
      [
        '401',
        await api()
          .post(`/v1/confluence/analyze?${query}`)
          .send({ symbol: 'BTC/USDT', candles: { '1m': syntheticCandles(60) } }),
      ],
      ['200 (debug)', await api().get(`/v1/markets?${query}`)],
      ['400', await api().get(`/v1/confluence/binance/BTC-USDT/history?limit=0&${query}`)],
      ['404', await api().get(`/v1/nothing-here?x=1&${query}&y=2`)],
      ['500', await failing(`/v1/markets?${query}`)],
    ];
    // Answered before any hook or by engine.io: not logged by the gateway, but no line may hold it.
    await api().get(`/v1/confluence/binance/%E0%A4%A?${query}`).expect(400);
    await api().get(`/socket.io/?EIO=4&transport=polling&${query}`).expect(200);

    expect(logged.map(([status, response]) => `${status.slice(0, 3)} ${response.status}`)).toEqual(
      logged.map(([status]) => `${status.slice(0, 3)} ${status.slice(0, 3)}`),
    );
    for (const [, response] of logged) {
      const requestId = String(response.headers['x-request-id']);
      const lines = log.lines().filter((line) => line.includes(requestId));
      // The line was written (so the assertion below is not vacuous), with the value masked.
      expect(lines.length).toBeGreaterThan(0);
      for (const line of lines) expect(line).toContain(`${name}=***`);
    }
    expect(log.text()).not.toContain(key);
    // Nor a piece of it: a mask that stopped early would leave the rest.
    expect(log.text()).not.toContain(key.slice(-12));
    expect(log.text()).not.toContain(encodeURIComponent(key).slice(0, 12));
  });

  /** `path` answered while the market board throws (a 500, its detail logged at error). */
  async function failing(path: string): Promise<Response> {
    const spy = jest.spyOn(app.get(MarketBoard), 'list').mockImplementation(() => {
      throw new Error('boom');
    });
    try {
      return await request(httpServerOf(app)).get(path);
    } finally {
      spy.mockRestore();
    }
  }
});
