import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import type { ApiKeyHash } from '@app/config';
import type * as NodeCrypto from 'node:crypto';

/*
 * node:crypto's own object, wrapped by a call-through spy *before* the unit is imported: Jest hands
 * a builtin's named exports to ES modules once, when it is first imported, so the unit (and this
 * file's hashing) must load after the spy is in place. Nothing in the unit is replaced.
 */
const crypto = createRequire(import.meta.url)('node:crypto') as typeof NodeCrypto;
const timingSafeEqual = jest.spyOn(crypto, 'timingSafeEqual');
const { ApiKeyRing, hashApiKey } = await import('./api-keys.js');
const { createHash } = await import('node:crypto');

const KEYS = {
  dashboard: 'dash-3f9c1e7a0b5d42c8a6e1f0d9b7c3a5e2',
  notebook: 'nb-8a1f2e3d4c5b6a7980f1e2d3c4b5a697',
  bot: 'bot-0123456789abcdef0123456789abcdef',
} as const;

function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

const HASHES: readonly ApiKeyHash[] = Object.entries(KEYS).map(([name, key]) => ({
  name,
  sha256: sha256(key),
}));

beforeAll(() => {
  timingSafeEqual.mockClear();
});

afterAll(() => {
  timingSafeEqual.mockRestore();
});

describe('hashApiKey', () => {
  it.each([
    ['an ASCII key', KEYS.bot],
    ['a key with multi-byte characters (hashed as UTF-8)', 'clé-ключ-鍵'],
    ['the empty string', ''],
  ])('equals node:crypto SHA-256 hex of %s', (_case, key) => {
    expect(hashApiKey(key)).toBe(sha256(key));
    expect(hashApiKey(key)).toMatch(/^[0-9a-f]{64}$/);
  });

  it('pins the well-known digest of "abc" (FIPS 180-2 test vector)', () => {
    expect(hashApiKey('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
});

describe('ApiKeyRing', () => {
  const ring = new ApiKeyRing(HASHES);

  it('counts its configured keys', () => {
    expect(ring.size).toBe(3);
    expect(new ApiKeyRing([]).size).toBe(0);
  });

  it.each(Object.entries(KEYS))('answers the name %s for its own key', (name, key) => {
    expect(ring.verify(key)).toBe(name);
  });

  it('accepts keys whose hashes were written by hashApiKey (the CLI path)', () => {
    const own = new ApiKeyRing([{ name: 'cli', sha256: hashApiKey('printed-by-the-cli') }]);
    expect(own.verify('printed-by-the-cli')).toBe('cli');
  });

  it.each([
    ['an unknown key', 'not-a-configured-key'],
    ['the empty string', ''],
    ['a key differing in its last character', `${KEYS.bot.slice(0, -1)}e`],
    ['a key differing in its first character', `B${KEYS.bot.slice(1)}`],
    ['a configured key with a trailing space', `${KEYS.bot} `],
    ['a prefix of a configured key', KEYS.bot.slice(0, -1)],
    ['the configured hash itself', sha256(KEYS.bot)],
    ['a key past 256 characters', 'k'.repeat(257)],
  ])('answers null for %s', (_case, key) => {
    expect(ring.verify(key)).toBeNull();
  });

  it('accepts a configured key of exactly 256 characters and refuses one of 257', () => {
    const longest = 'x'.repeat(256);
    const tooLong = 'x'.repeat(257);
    const long = new ApiKeyRing([
      { name: 'longest', sha256: sha256(longest) },
      { name: 'too-long', sha256: sha256(tooLong) },
    ]);
    expect(long.verify(longest)).toBe('longest');
    // Refused by length even though its hash is configured.
    expect(long.verify(tooLong)).toBeNull();
  });

  it('answers null for every key when none is configured', () => {
    expect(new ApiKeyRing([]).verify(KEYS.bot)).toBeNull();
  });

  it('answers the first name when two entries share a hash', () => {
    const shared = new ApiKeyRing([
      { name: 'first', sha256: sha256(KEYS.bot) },
      { name: 'second', sha256: sha256(KEYS.bot) },
    ]);
    expect(shared.verify(KEYS.bot)).toBe('first');
  });

  it('compares the presented key with every entry, whichever matches (no early exit)', () => {
    for (const key of [KEYS.dashboard, KEYS.notebook, KEYS.bot, 'wrong-key']) {
      timingSafeEqual.mockClear();
      ring.verify(key);
      expect(timingSafeEqual).toHaveBeenCalledTimes(HASHES.length);
    }
  });

  it('compares nothing for a key refused by its length', () => {
    for (const key of ['', 'k'.repeat(257)]) {
      timingSafeEqual.mockClear();
      expect(ring.verify(key)).toBeNull();
      expect(timingSafeEqual).not.toHaveBeenCalled();
    }
  });
});
