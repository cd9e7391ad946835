import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { parse } from 'yaml';
import { listenAddressOf, loadConfig } from '@app/config';
import type { ServiceName } from '@app/contracts';
import { PROJECT_CONFIG_DIR, REPO_ROOT } from '@app/testing';

/**
 * No Docker engine runs on the machines this is developed on, so the compose file is checked
 * here instead: the right entry points, production settings, and no secret with a default.
 */
interface ComposeService {
  readonly command?: readonly string[];
  readonly environment?: Readonly<Record<string, string>>;
  readonly ports?: readonly string[];
  readonly healthcheck?: { readonly test: readonly string[] };
  readonly image?: string;
}

const composeText = readFileSync(join(REPO_ROOT, 'docker-compose.yml'), 'utf8');
const compose = parse(composeText, { merge: true }) as { services: Record<string, ComposeService> };
const packageScripts = (
  JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }
).scripts;

const APPS: readonly { service: ServiceName; script: string }[] = [
  { service: 'api-gateway', script: 'start:gateway' },
  { service: 'analysis-worker', script: 'start:worker' },
  { service: 'market-data', script: 'start:market-data' },
];

/** The environment compose hands each app container, with its required secrets filled in. */
const PRODUCTION_ENV = {
  CONFIG_DIR: PROJECT_CONFIG_DIR,
  NODE_ENV: 'production',
  REDIS_URL: 'redis://:pw@redis:6379',
  MONGODB_URI: 'mongodb://user:pw@mongo:27017/confluence?authSource=admin',
};

describe('docker-compose.yml', () => {
  it('runs the three apps plus Redis and MongoDB', () => {
    expect(Object.keys(compose.services).sort()).toEqual([
      'analysis-worker',
      'api-gateway',
      'market-data',
      'mongo',
      'redis',
    ]);
  });

  it.each(APPS)(
    'starts $service from the same built entry point as `npm run $script`',
    ({ service, script }) => {
      const command = compose.services[service]?.command ?? [];
      const entry = command[1] ?? '';

      expect(command[0]).toBe('node');
      expect(packageScripts[script]).toContain(`node ${entry}`);
      expect(existsSync(join(REPO_ROOT, entry))).toBe(true);
    },
  );

  it.each(APPS)(
    'runs $service in production (distributed) mode, health-checked on its configured port',
    ({ service }) => {
      const definition = compose.services[service];
      const config = loadConfig({ env: PRODUCTION_ENV });
      const { host, port } = listenAddressOf(config, service);

      expect(definition?.environment?.NODE_ENV).toBe('production');
      expect(config.runtime.mode).toBe('distributed');
      expect(host).toBe('0.0.0.0');
      expect(definition?.healthcheck?.test.join(' ')).toContain(`http://127.0.0.1:${port}/health/live`);
    },
  );

  it('publishes only the gateway, so workers scale with --scale', () => {
    expect(compose.services['api-gateway']?.ports).toEqual(['${GATEWAY_PORT:-3000}:3000']);
    expect(compose.services['analysis-worker']?.ports).toBeUndefined();
    expect(compose.services['market-data']?.ports).toBeUndefined();
  });

  it('has no default for any secret: each must be set or compose refuses to start', () => {
    const secretReferences = [
      ...composeText.matchAll(/\$\{([A-Z_]*(PASSWORD|USERNAME|SECRET|TOKEN|KEY)[A-Z_]*)(:?[-?])?/g),
    ];

    expect(secretReferences.length).toBeGreaterThan(0);
    for (const [reference, , , operator] of secretReferences)
      expect([reference, operator]).toEqual([reference, ':?']);
    // And no key holds a literal secret value.
    expect(composeText).not.toMatch(/^\s*[A-Z_]*(PASSWORD|SECRET|TOKEN)[A-Z_]*:\s*[^$\s]/m);
  });

  it('requires hashed API keys for the gateway only, on top of the shared environment', () => {
    const gateway = compose.services['api-gateway']?.environment ?? {};

    expect(gateway.API_KEY_HASHES).toMatch(/^\$\{API_KEY_HASHES:\?/);
    expect(Object.keys(gateway).sort()).toEqual(['API_KEY_HASHES', 'MONGODB_URI', 'NODE_ENV', 'REDIS_URL']);
    expect(compose.services['analysis-worker']?.environment?.API_KEY_HASHES).toBeUndefined();
  });

  it('builds an image that runs as a non-root user', () => {
    const dockerfile = readFileSync(join(REPO_ROOT, 'Dockerfile'), 'utf8');

    expect(dockerfile).toMatch(/^USER node$/m);
    expect(dockerfile).toMatch(/npm ci/);
    expect(dockerfile).toMatch(/npm prune --omit=dev/);
  });
});
