import { describe, expect, it } from '@jest/globals';
import type { LoggerService } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { ConfluenceConfigModule, loadConfig } from '@app/config';
import { EmbeddedMongoServer } from '@app/embedded-mongo';
import {
  createConfigFixture,
  eventually,
  freePort,
  PROJECT_CONFIG_DIR,
  STORE_TIMEOUT_PATCH,
} from '@app/testing';
import { PersistenceModule } from './persistence.module.js';
import { ResultRepository } from './repositories/result.repository.js';
import { StoreConnector } from './store-connector.js';
import { maskMongoUri, StoreTarget } from './store-target.js';
import { StoreWriter } from './write-path/store-writer.js';

const T0 = Date.UTC(2021, 1, 19);
const RESULT = {
  exchange: 'binance',
  symbol: 'BTC/USDT',
  timeframe: '1m' as const,
  candleTime: T0,
  computedAt: T0 + 60_000,
  score: 61,
  label: 'LONG' as const,
  confidence: 30,
  coverage: 0.4,
  staleness: 0,
  engineVersion: '1.0.0',
  configHash: 'c',
  inputHash: 'i',
  format: 1 as const,
  result: {},
};

const warnings: string[] = [];
const logs: string[] = [];
const captured: LoggerService = {
  log: (m: string) => logs.push(m),
  warn: (m: string) => warnings.push(m),
  error: () => undefined,
};

async function boot(env: NodeJS.ProcessEnv, configDir = PROJECT_CONFIG_DIR) {
  const config = loadConfig({ env: { NODE_ENV: 'test', CONFIG_DIR: configDir, ...env } });
  const module = await Test.createTestingModule({
    imports: [ConfluenceConfigModule.forRoot(config), PersistenceModule],
  })
    .setLogger(captured)
    .compile();
  await module.init();
  return module;
}

describe('PersistenceModule', () => {
  it('without MONGODB_URI starts the embedded server, warns once, stores through DI and stops it on close', async () => {
    const module = await boot({});
    const target = module.get(StoreTarget);
    expect(target.embedded).toBe(true);
    expect(warnings.filter((w) => w.startsWith('store: embedded MongoDB-compatible server'))).toHaveLength(1);
    expect(warnings.find((w) => w.startsWith('store: embedded'))).toMatch(/in memory, not for production/);

    try {
      const results = module.get(ResultRepository);
      const writer = module.get(StoreWriter);
      const stored = RESULT;
      expect(writer.enqueue({ describe: 'one result', run: () => results.save(stored, T0) })).toBe(true);
      await writer.flush();
      expect(await results.latest(stored)).toEqual(stored);
    } finally {
      await module.close();
    }
    const uri = target.uri;
    const probe = await import('mongodb').then(
      ({ MongoClient }) => new MongoClient(uri, { serverSelectionTimeoutMS: 300 }),
    );
    await expect(probe.connect()).rejects.toThrow();
    await probe.close();
  });

  it('with MONGODB_URI connects there and logs the URI with its password masked', async () => {
    const server = await EmbeddedMongoServer.start({ port: 0 });
    const uri = server.uri.replace('mongodb://', 'mongodb://svc:s3cret-pw@');
    try {
      // The embedded server ignores credentials, which lets this test pass a URI that carries some.
      const module = await boot({ MONGODB_URI: uri });
      expect(module.get(StoreTarget).embedded).toBe(false);
      expect(logs).toContainEqual(`store: MongoDB at ${uri.replace('s3cret-pw', '***')}`);
      expect([...logs, ...warnings].join('\n')).not.toContain('s3cret-pw');
      await module.close();
    } finally {
      await server.stop();
    }
  });
});

describe('PersistenceModule with a MongoDB that is down at boot', () => {
  it('keeps trying to connect without crashing, then writes what it held once the store is up', async () => {
    const unhandled: unknown[] = [];
    const record = (reason: unknown): void => {
      unhandled.push(reason);
    };
    process.on('unhandledRejection', record);
    const fixture = createConfigFixture();
    fixture.patch('app.yaml', STORE_TIMEOUT_PATCH.to, 'operationTimeoutMs: 300');
    fixture.patch('app.yaml', 'retryBaseMs: 200', 'retryBaseMs: 50');
    fixture.patch('app.yaml', 'retryMaxMs: 10000', 'retryMaxMs: 200');
    const port = await freePort();
    let server: EmbeddedMongoServer | undefined;
    const module = await boot({ MONGODB_URI: `mongodb://127.0.0.1:${port}/confluence` }, fixture.dir);
    try {
      const connector = module.get(StoreConnector);
      const results = module.get(ResultRepository);
      const writer = module.get(StoreWriter);
      const stored = { ...RESULT, candleTime: T0 + 60_000 };
      expect(writer.enqueue({ describe: 'one result', run: () => results.save(stored, T0) })).toBe(true);
      // Nothing listens: the first connect failed (once rejected unhandled, stopping the process).
      await eventually(() => connector.failedAttempts >= 3, 'three failed connection attempts');
      expect(warnings.some((w) => w.startsWith('store unreachable (1 attempt(s)): '))).toBe(true);

      server = await EmbeddedMongoServer.start({ port });
      await eventually(() => connector.failedAttempts === 0, 'the connection to open');
      await eventually(async () => {
        await writer.flush();
        return writer.status().pending === 0;
      }, 'the held write');
      expect(await results.latest(stored)).toEqual(stored);
      expect(logs.some((l) => /^store connected after \d+ failed attempt\(s\)$/.test(l))).toBe(true);
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', record);
      await module.close();
      await server?.stop();
      fixture.cleanup();
    }
  });
});

describe('maskMongoUri', () => {
  it.each([
    ['mongodb://user:pa55@db:27017/app', 'mongodb://user:***@db:27017/app'],
    [
      'mongodb+srv://user:p%40ss@cluster.example.net/app?retryWrites=true',
      'mongodb+srv://user:***@cluster.example.net/app?retryWrites=true',
    ],
    ['mongodb://u:p@h1:1,h2:2/db', 'mongodb://u:***@h1:1,h2:2/db'],
    ['mongodb://db:27017/app', 'mongodb://db:27017/app'],
  ])('%s → %s', (uri, masked) => {
    expect(maskMongoUri(uri)).toBe(masked);
  });
});
