import { BlockList, isIP } from 'node:net';
import type { ConfluenceConfig } from '@app/config';

/** What a request is doing, for deciding whether it needs an API key. */
export type AccessKind = 'write' | 'read' | 'socket' | 'metrics';

/**
 * `keys`: the configured rules (POSTs always need a key, reads and sockets per app.yaml `access`).
 * `open-local`: nothing needs a key — a developer's local gateway with no keys configured.
 */
export type AccessMode = 'keys' | 'open-local';

/** The facts the access mode is decided from. */
export interface AccessFacts {
  readonly mode: 'local' | 'distributed';
  readonly nodeEnv: string;
  readonly host: string;
  readonly keyCount: number;
}

/** `localhost`, 127.0.0.0/8, `::1` and IPv4-mapped loopback: addresses no other machine can reach. */
export function isLoopbackHost(host: string): boolean {
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  if (bare.toLowerCase() === 'localhost') return true;
  const family = isIP(bare);
  if (family === 0) return false;
  // A fresh list per call: no module-level state, and this runs once at boot.
  const loopback = new BlockList();
  loopback.addSubnet('127.0.0.0', 8, 'ipv4');
  loopback.addAddress('::1', 'ipv6');
  return loopback.check(bare, family === 4 ? 'ipv4' : 'ipv6');
}

/**
 * Open only when all four hold: local mode, not production, listening on loopback, and no key
 * configured. Each one alone rules it out: a production or distributed deployment, or a gateway
 * reachable from another machine, keeps the key rule (and production refuses to boot without keys);
 * configuring a key means the operator wants keys checked.
 */
export function accessModeOf(facts: AccessFacts): AccessMode {
  const open =
    facts.mode === 'local' &&
    facts.nodeEnv !== 'production' &&
    facts.keyCount === 0 &&
    isLoopbackHost(facts.host);
  return open ? 'open-local' : 'keys';
}

/** Which requests need an `X-API-Key`, decided once at boot. */
export class AccessPolicy {
  constructor(
    readonly mode: AccessMode,
    private readonly rules: {
      readonly readsRequireKey: boolean;
      readonly socketsRequireKey: boolean;
      readonly metricsRequireKey: boolean;
    },
  ) {}

  static of(config: ConfluenceConfig): AccessPolicy {
    const mode = accessModeOf({
      mode: config.runtime.mode,
      nodeEnv: config.environment.nodeEnv,
      host: config.app.http.host,
      keyCount: config.environment.apiKeyHashes.length,
    });
    return new AccessPolicy(mode, config.app.access);
  }

  get open(): boolean {
    return this.mode === 'open-local';
  }

  requiresKey(kind: AccessKind): boolean {
    if (this.open) return false;
    switch (kind) {
      case 'write':
        return true;
      case 'read':
        return this.rules.readsRequireKey;
      case 'socket':
        return this.rules.socketsRequireKey;
      case 'metrics':
        return this.rules.metricsRequireKey;
    }
  }
}

/**
 * Why a gateway must not start with this environment, or null. A production gateway without API
 * keys would answer every POST 401; it is refused before anything is built or connected
 * (ServiceEntry `refusals`, `@app/platform/boot`), so it exits at once instead of after its clients gave up.
 */
export function gatewayStartRefusal(environment: {
  readonly nodeEnv: string;
  readonly apiKeyHashes: readonly unknown[];
}): string | null {
  return environment.nodeEnv === 'production' && environment.apiKeyHashes.length === 0
    ? 'API_KEY_HASHES is required when NODE_ENV=production (POST endpoints accept only configured keys)'
    : null;
}
