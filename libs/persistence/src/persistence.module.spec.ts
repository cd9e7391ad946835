import { describe, expect, it } from '@jest/globals';
import type { LoggerService } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { ConfluenceConfigModule, loadConfig } from '@app/config';
import { EmbeddedMongoServer } from '@app/embedded-mongo';
import { PROJECT_CONFIG_DIR } from '@app/testing';
import { PersistenceModule } from './persistence.module.js';
import { ResultRepository } from './repositories/result.repository.js';
import { maskMongoUri, StoreTarget } from './store-target.js';
import { StoreWriter } from './write-path/store-writer.js';

const T0 = Date.UTC(2021, 1, 19);

const warnings: string[] = [];
const logs: string[] = [];
const captured: LoggerService = {
  log: (m: string) => logs.push(m),
  warn: (m: string) => warnings.push(m),
  error: () => undefined,
};

async function boot(env: NodeJS.ProcessEnv) {
  const config = loadConfig({ env: { NODE_ENV: 'test', CONFIG_DIR: PROJECT_CONFIG_DIR, ...env } });
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
      const stored = {
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
        breakdown: {},
      };
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
