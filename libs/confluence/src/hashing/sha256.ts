import { createHash } from 'node:crypto';

/**
 * Hex SHA-256 of the UTF-8 encoding of `text`: the engine's fingerprints of its inputs and config,
 * identical on any host. `node:crypto` is pure computation, the one Node built-in the engine may
 * use (it replaced a hand-written FIPS 180-4 implementation, 1.2 s of CPU in the unit suites).
 */
export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/**
 * JSON with object keys sorted at every level, so equal values always serialise (and hash) the
 * same whatever order their keys were written in.
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(
          Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
        )
      : v,
  );
}
