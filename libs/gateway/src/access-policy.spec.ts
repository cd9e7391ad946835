import { describe, expect, it } from '@jest/globals';
import {
  type AccessFacts,
  accessModeOf,
  AccessPolicy,
  gatewayStartRefusal,
  isLoopbackHost,
} from './access-policy.js';

const LOCAL: AccessFacts = { mode: 'local', nodeEnv: 'development', host: '127.0.0.1', keyCount: 0 };

describe('isLoopbackHost', () => {
  it.each([
    '127.0.0.1',
    '127.8.9.10',
    'localhost',
    'LOCALHOST',
    '::1',
    '[::1]',
    '0:0:0:0:0:0:0:1',
    '::ffff:127.0.0.1',
  ])('%s is loopback', (host) => {
    expect(isLoopbackHost(host)).toBe(true);
  });

  it.each(['0.0.0.0', '::', '10.0.0.5', '192.168.1.2', '::ffff:10.0.0.1', 'example.com', '128.0.0.1', ''])(
    '%s is not',
    (host) => {
      expect(isLoopbackHost(host)).toBe(false);
    },
  );
});

describe('accessModeOf', () => {
  it('opens a local, non-production gateway on loopback with no keys configured', () => {
    expect(accessModeOf(LOCAL)).toBe('open-local');
    expect(accessModeOf({ ...LOCAL, host: '::1', nodeEnv: 'test' })).toBe('open-local');
  });

  it.each([
    ['distributed mode', { mode: 'distributed' }],
    ['production', { nodeEnv: 'production' }],
    ['a non-loopback address', { host: '0.0.0.0' }],
    ['a LAN address', { host: '192.168.1.20' }],
    ['a configured key', { keyCount: 1 }],
  ] as const)('keeps the key rule for %s', (_case, change: Partial<AccessFacts>) => {
    expect(accessModeOf({ ...LOCAL, ...change })).toBe('keys');
  });
});

describe('AccessPolicy', () => {
  const strict = { readsRequireKey: true, socketsRequireKey: true, metricsRequireKey: true };
  const relaxed = { readsRequireKey: false, socketsRequireKey: false, metricsRequireKey: false };
  const KINDS = ['write', 'read', 'socket', 'metrics'] as const;

  it('asks for no key at all when open, whatever the access rules say', () => {
    const open = new AccessPolicy('open-local', strict);
    expect(open.open).toBe(true);
    expect(KINDS.map((kind) => open.requiresKey(kind))).toEqual([false, false, false, false]);
  });

  it('with keys: writes always, reads, sockets and metrics as configured', () => {
    expect(KINDS.map((kind) => new AccessPolicy('keys', relaxed).requiresKey(kind))).toEqual([
      true,
      false,
      false,
      false,
    ]);
    expect(KINDS.map((kind) => new AccessPolicy('keys', strict).requiresKey(kind))).toEqual([
      true,
      true,
      true,
      true,
    ]);
    // Each rule on its own: metrics does not follow reads.
    expect(
      KINDS.map((kind) =>
        new AccessPolicy('keys', { ...relaxed, metricsRequireKey: true }).requiresKey(kind),
      ),
    ).toEqual([true, false, false, true]);
  });
});

describe('gatewayStartRefusal', () => {
  const key = { name: 'ops', sha256: 'a'.repeat(64) };

  it('refuses a production gateway without API keys', () => {
    expect(gatewayStartRefusal({ nodeEnv: 'production', apiKeyHashes: [] })).toBe(
      'API_KEY_HASHES is required when NODE_ENV=production (POST endpoints accept only configured keys)',
    );
  });

  it.each([
    ['production with a key', { nodeEnv: 'production', apiKeyHashes: [key] }],
    ['development without keys', { nodeEnv: 'development', apiKeyHashes: [] }],
    ['test without keys', { nodeEnv: 'test', apiKeyHashes: [] }],
  ])('lets %s start', (_case, environment) => {
    expect(gatewayStartRefusal(environment)).toBeNull();
  });
});
