import { createHash, timingSafeEqual } from 'node:crypto';
import type { ApiKeyHash } from '@app/config';

/** SHA-256 of a key, hex: what API_KEY_HASHES holds (`npm run cli -- api-key` prints both). */
export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/** Keys longer than this are refused before hashing (a header is no place for megabytes). */
const MAX_KEY_LENGTH = 256;

/**
 * The configured API keys, by their SHA-256. A presented key is hashed and compared with every
 * stored hash in constant time (`timingSafeEqual`, no early exit), so neither the position of a
 * first wrong byte nor which entry matched shows in the response time. SHA-256 rather than a slow
 * password hash: keys are long random tokens, not passwords, and every request checks one.
 */
export class ApiKeyRing {
  readonly #entries: readonly { readonly name: string; readonly digest: Buffer }[];

  constructor(hashes: readonly ApiKeyHash[]) {
    this.#entries = hashes.map(({ name, sha256 }) => ({ name, digest: Buffer.from(sha256, 'hex') }));
  }

  get size(): number {
    return this.#entries.length;
  }

  /** The name of the key, or null when it matches none. */
  verify(presented: string): string | null {
    if (presented.length === 0 || presented.length > MAX_KEY_LENGTH) return null;
    const digest = createHash('sha256').update(presented, 'utf8').digest();
    let found: string | null = null;
    for (const entry of this.#entries) {
      // Every entry is compared, match or not.
      if (timingSafeEqual(digest, entry.digest) && found === null) found = entry.name;
    }
    return found;
  }
}
