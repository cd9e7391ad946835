import { existsSync } from 'node:fs';
import { type AddressInfo, createServer } from 'node:net';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import {
  type ConfigFixture,
  createConfigFixture,
  eventually,
  freePort,
  isListening,
  loadMarketCandles,
  MARKET_FILES,
  PROJECT_CONFIG_DIR,
  REPO_ROOT,
  SpawnedProcess,
} from '@app/testing';

/**
 * Boots the *built* entry points as a user would (`npm start` runs dist/local/main.js), so
 * these tests need `npm run build` first; `npm test` does that.
 */
const ENTRIES = {
  local: 'dist/local/main.js',
  'api-gateway': 'dist/apps/api-gateway/src/main.js',
  'analysis-worker': 'dist/apps/analysis-worker/src/main.js',
  'market-data': 'dist/apps/market-data/src/main.js',
} as const;

const CANDLES = loadMarketCandles(MARKET_FILES.btc1m, 300);

const running: SpawnedProcess[] = [];
let fixture: ConfigFixture | undefined;

function start(entry: string, env: NodeJS.ProcessEnv): SpawnedProcess {
  // Only what the service needs: the test must not depend on the developer's environment.
  const child = SpawnedProcess.node(entry, {
    PATH: process.env.PATH,
    NODE_ENV: 'development',
    TZ: 'UTC',
    ...env,
  });
  running.push(child);
  return child;
}

beforeAll(() => {
  for (const entry of Object.values(ENTRIES)) {
    if (!existsSync(join(REPO_ROOT, entry)))
      throw new Error(`${entry} is missing: run \`npm run build\` first`);
  }
});

afterEach(async () => {
  await Promise.all(running.splice(0).map((child) => child.kill()));
  fixture?.cleanup();
  fixture = undefined;
});

describe('local mode (npm start)', () => {
  it.each(['SIGTERM', 'SIGINT'] as const)(
    'starts, says where it listens, answers /health/live, and stops cleanly on %s',
    async (signal) => {
      const port = await freePort();
      const child = start(ENTRIES.local, { PORT: String(port), CONFIG_DIR: PROJECT_CONFIG_DIR });

      await child.waitFor(new RegExp(`local listening on http://127\\.0\\.0\\.1:${port}`));
      const response = await fetch(`http://127.0.0.1:${port}/health/live`);
      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject({
        status: 'ok',
        service: 'local',
        hosts: ['api-gateway', 'analysis-worker', 'market-data'],
        mode: 'local',
      });
      // Each hosted app's module was wired and saw its configuration.
      // Local mode replays the bundled candles (all three files in data/).
      expect(child.stdout).toMatch(
        /"message":"replaying 3 file\(s\) at 60× real time after the first \d+ candles of each at once","context":"market-data"/,
      );
      expect(child.stdout).toMatch(/"message":"weights orderFlow 0\.3[^"]*","context":"analysis-worker"/);
      // Nest's wiring lines (modules loaded, routes mapped, ...) are debug, below the default level.
      expect(child.stdout).not.toMatch(
        /"context":"(NestFactory|InstanceLoader|RoutesResolver|RouterExplorer|WebSocketsController|NestApplication)"/,
      );

      // What a new user tries first. Posting candles needs no key here (loopback, no key configured),
      // and one line said so.
      expect(child.stdout).toMatch(/open access: local mode on a loopback address with no API keys/);
      const posted = await fetch(`http://127.0.0.1:${port}/v1/confluence/analyze`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ symbol: 'BTC/USDT', candles: { '1m': CANDLES } }),
      });
      expect(posted.status).toBe(200);
      expect(await posted.json()).toMatchObject({ source: 'client', timeframe: '1m' });
      // A replayed result reads like a live one: as of the replay's clock, not years stale.
      let latest: { source?: string; stalenessMs?: number; computedAt?: string; candleTime?: string } = {};
      await eventually(async () => {
        const answer = await fetch(`http://127.0.0.1:${port}/v1/confluence/binance/BTC-USDT?timeframe=1m`);
        if (answer.status !== 200) return false;
        latest = (await answer.json()) as typeof latest;
        return true;
      }, 'a replayed BTC/USDT 1m result');
      expect(latest.source).toBe('replay');
      expect(latest.stalenessMs).toBeLessThanOrEqual(5 * 60_000);
      expect(Date.parse(latest.computedAt ?? '')).toBe(Date.parse(latest.candleTime ?? '') + 60_000);

      child.signal(signal);
      expect(await child.exited).toEqual({ code: 0, signal: null });
      expect(child.stdout).toContain(`${signal} received: stopping`);
      expect(child.stdout).toContain('"message":"stopped"');
      expect(await isListening(port)).toBe(false);
    },
  );

  // One boot for both (each costs seconds of CPU): the pretty format is where a secret would most
  // easily slip through, since it is built from the record after redaction.
  it('prints compact readable lines with LOG_FORMAT=pretty, and never the secrets it is given', async () => {
    const port = await freePort();
    const child = start(ENTRIES.local, {
      PORT: String(port),
      CONFIG_DIR: PROJECT_CONFIG_DIR,
      LOG_FORMAT: 'pretty',
      MONGODB_URI: 'mongodb://app:Sup3r-Secret-Pw@127.0.0.1:1/confluence',
    });

    await child.waitFor(/local listening on/);
    child.signal('SIGTERM');
    await child.exited;

    expect(child.output).toContain('stopped');
    expect(child.output).toContain('mongodb://app:***@127.0.0.1:1/confluence');
    expect(child.output).not.toContain('Sup3r-Secret-Pw');
    const lines = child.stdout.split('\n').filter((line) => line !== '');
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) expect(line).toMatch(/^\d{2}:\d{2}:\d{2}\.\d{3} (WARN|LOG) +\[[\w-]+\] \S/);
    expect(child.stdout).toMatch(/ LOG {3}\[Boot\] local listening on http:\/\/127\.0\.0\.1:\d+ /);
    expect(child.output).not.toContain('"level"');
  });

  it('exits non-zero before listening on a bad configuration, printing every violation with its file and key', async () => {
    // One process for both checks: each boot costs seconds of CPU.
    fixture = createConfigFixture();
    fixture.patch('weights.yaml', 'orderFlow: 0.30', 'orderFlow: 0.60');
    fixture.patch('indicators.yaml', 'fast: 12, slow: 26', 'fast: 30, slow: 26');
    const port = await freePort();
    const child = start(ENTRIES.local, { PORT: String(port), CONFIG_DIR: fixture.dir });

    expect(await child.exited).toEqual({ code: 1, signal: null });
    expect(child.stderr).toContain('Invalid configuration (2 problems)');
    expect(child.stderr).toMatch(/weights\.yaml: components: weights must sum to 1 \(±0\.000001\), got 1\.3/);
    expect(child.stderr).toContain('indicators.yaml: macd.fast: must be less than slow (26)');
    expect(child.output).not.toMatch(/listening on/);
    expect(child.output).not.toMatch(/Nest application successfully started/);
    expect(await isListening(port)).toBe(false);
  });

  it('exits with a clear message when its port is taken', async () => {
    // Whatever holds the port, the app's own listen() fails the same way; a bare socket costs
    // nothing, where a second app would replay and analyse until this test ends.
    const holder = createServer();
    const port = await new Promise<number>((resolve) =>
      holder.listen(0, '127.0.0.1', () => {
        resolve((holder.address() as AddressInfo).port);
      }),
    );
    try {
      const child = start(ENTRIES.local, { PORT: String(port), CONFIG_DIR: PROJECT_CONFIG_DIR });

      expect((await child.exited).code).toBe(1);
      expect(child.output).toMatch(/failed to start: .*EADDRINUSE.*the port is taken \(set PORT/);
    } finally {
      await new Promise((resolve) => holder.close(resolve));
    }
  });
});

describe('each app on its own (npm run start:gateway | start:worker | start:market-data)', () => {
  it.each(['api-gateway', 'analysis-worker', 'market-data'] as const)(
    '%s boots alone and answers /health/live and /health/ready',
    async (service) => {
      const port = await freePort();
      const child = start(ENTRIES[service], { PORT: String(port), CONFIG_DIR: PROJECT_CONFIG_DIR });

      await child.waitFor(new RegExp(`${service} listening on http://127\\.0\\.0\\.1:${port}`));
      const response = await fetch(`http://127.0.0.1:${port}/health/live`);
      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject({ status: 'ok', service, hosts: [service] });
      // And readiness, in the shape every app shares (503 until its store connects).
      let ready: { code: number; cacheControl: string | null; body: unknown } | undefined;
      await eventually(async () => {
        const answer = await fetch(`http://127.0.0.1:${port}/health/ready`);
        ready = {
          code: answer.status,
          cacheControl: answer.headers.get('cache-control'),
          body: await answer.json(),
        };
        return answer.status === 200;
      }, `${service} readiness to answer 200`);
      expect(ready).toMatchObject({
        cacheControl: 'no-store',
        body: {
          status: expect.stringMatching(/^(ok|degraded)$/),
          checks: { writes: { status: 'up' }, bus: { status: 'up', transport: 'in-process' } },
        },
      });

      child.signal('SIGTERM');
      expect((await child.exited).code).toBe(0);
    },
  );
});
