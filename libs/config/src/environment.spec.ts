import { describe, expect, it } from '@jest/globals';
import { readEnvironment, secretValuesOf } from './environment.js';
import type { ConfigIssue } from './config.types.js';

describe('secretValuesOf', () => {
  it('collects the decoded passwords of the connection URLs', () => {
    const issues: ConfigIssue[] = [];
    const environment = readEnvironment(
      {
        MONGODB_URI: 'mongodb://app:p%40ss%2Fword@db:27017/confluence',
        REDIS_URL: 'rediss://:r3dis-pass@cache:6380',
      },
      '/srv',
      issues,
    );

    expect(issues).toEqual([]);
    expect(secretValuesOf(environment)).toEqual(['p@ss/word', 'r3dis-pass']);
  });

  it('has nothing to hide when the URLs carry no password', () => {
    const environment = readEnvironment({ REDIS_URL: 'redis://127.0.0.1:6379' }, '/srv', []);

    expect(secretValuesOf(environment)).toEqual([]);
  });
});

describe('readEnvironment', () => {
  it('resolves CONFIG_DIR against the working directory and treats blank values as unset', () => {
    const environment = readEnvironment({ CONFIG_DIR: 'conf', PORT: '  ', NODE_ENV: '' }, '/srv/app', []);

    expect(environment).toMatchObject({
      configDir: '/srv/app/conf',
      dataDir: '/srv/app/data',
      nodeEnv: 'development',
    });
    expect(environment.port).toBeUndefined();
  });
});

describe('exchange credentials', () => {
  it('reads key pairs by exchange id and hides every part from logs', () => {
    const issues: ConfigIssue[] = [];
    const environment = readEnvironment(
      {
        EXCHANGE_BINANCE_API_KEY: 'bn-key',
        EXCHANGE_BINANCE_SECRET: 'bn-secret',
        EXCHANGE_OKX_API_KEY: 'okx-key',
        EXCHANGE_OKX_SECRET: 'okx-secret',
        EXCHANGE_OKX_PASSWORD: 'okx-pass',
        EXCHANGE_BYBIT_NOTE: 'ignored',
      },
      '/srv',
      issues,
    );

    expect(issues).toEqual([]);
    expect(environment.exchangeCredentials).toEqual({
      binance: { apiKey: 'bn-key', secret: 'bn-secret' },
      okx: { apiKey: 'okx-key', secret: 'okx-secret', password: 'okx-pass' },
    });
    expect(secretValuesOf(environment)).toEqual(['bn-key', 'bn-secret', 'okx-key', 'okx-secret', 'okx-pass']);
  });

  it('names the missing half of a key pair without echoing the half that is set', () => {
    const issues: ConfigIssue[] = [];
    const environment = readEnvironment({ EXCHANGE_BYBIT_API_KEY: 'by-key' }, '/srv', issues);

    expect(issues).toEqual([
      {
        file: 'environment',
        path: 'EXCHANGE_BYBIT_SECRET',
        message: 'is required when the other half of the key pair is set',
      },
    ]);
    expect(JSON.stringify(issues)).not.toContain('by-key');
    expect(environment.exchangeCredentials).toEqual({});
  });
});

describe('API_KEY_HASHES', () => {
  const hash = (digit: string): string => digit.repeat(64);

  it('reads name:sha256 entries, trimming spaces', () => {
    const environment = readEnvironment(
      { API_KEY_HASHES: ` bot-1:${hash('a')} , ops.2:${hash('b')}` },
      '/srv',
      [],
    );

    expect(environment.apiKeyHashes).toEqual([
      { name: 'bot-1', sha256: hash('a') },
      { name: 'ops.2', sha256: hash('b') },
    ]);
    expect(readEnvironment({}, '/srv', []).apiKeyHashes).toEqual([]);
  });

  it('names each malformed or repeated entry by its position, never echoing it', () => {
    const issues: ConfigIssue[] = [];
    const secretish = 'raw-key-pasted-by-mistake';
    const environment = readEnvironment(
      {
        API_KEY_HASHES: `${secretish},bot:${hash('A')},bot:${hash('c')},bot:${hash('d')},x:${hash('e').slice(1)}`,
      },
      '/srv',
      issues,
    );

    expect(environment.apiKeyHashes).toEqual([{ name: 'bot', sha256: hash('c') }]);
    expect(issues.map((issue) => `${issue.path}: ${issue.message}`)).toEqual([
      expect.stringMatching(/^API_KEY_HASHES\[0\]: must be name:<64 lowercase hex/),
      expect.stringMatching(/^API_KEY_HASHES\[1\]: must be name:/),
      'API_KEY_HASHES[3]: repeats the name "bot"',
      expect.stringMatching(/^API_KEY_HASHES\[4\]: must be name:/),
    ]);
    expect(JSON.stringify(issues)).not.toContain(secretish);
  });
});
