import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { parse } from 'yaml';
import { listenAddressOf, loadConfig } from '@app/config';
import type { ServiceName } from '@app/contracts';
import { PROJECT_CONFIG_DIR, REPO_ROOT } from '@app/testing';
import { readinessUrl, serviceFromCommand } from '../tools/healthcheck/healthcheck.js';

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
  readonly profiles?: readonly string[];
  readonly volumes?: readonly string[];
}

const composeText = readFileSync(join(REPO_ROOT, 'docker-compose.yml'), 'utf8');
const compose = parse(composeText, { merge: true }) as {
  services: Record<string, ComposeService>;
  volumes: Record<string, unknown>;
};
const dockerfile = readFileSync(join(REPO_ROOT, 'Dockerfile'), 'utf8');
/** The exec-form HEALTHCHECK of the image (`HEALTHCHECK [options] \\\n CMD [...]`). */
const imageHealthcheck = JSON.parse(
  /^HEALTHCHECK (?:--\S+ )*\\?\s*CMD (\[.*\])$/m.exec(dockerfile)?.[1] ?? 'null',
) as string[] | null;
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
  it('runs the three apps plus Redis and MongoDB, and Prometheus and Grafana only in the monitoring profile', () => {
    const byProfile = (profile: string | undefined) =>
      Object.entries(compose.services)
        .filter(([, service]) => service.profiles?.[0] === profile)
        .map(([name]) => name)
        .sort();

    expect(byProfile(undefined)).toEqual(['analysis-worker', 'api-gateway', 'market-data', 'mongo', 'redis']);
    expect(byProfile('monitoring')).toEqual(['grafana', 'prometheus']);
    expect(Object.values(compose.services).every((service) => (service.profiles?.length ?? 0) <= 1)).toBe(
      true,
    );
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
    'runs $service in production (distributed) mode, health-checked by the image check on its readiness port',
    ({ service }) => {
      const definition = compose.services[service];
      const config = loadConfig({ env: PRODUCTION_ENV });
      const { host, port } = listenAddressOf(config, service);
      // What PID 1 runs in the container: the image's tini, then the service's command.
      const pid1 = ['/usr/bin/tini', '--', ...(definition?.command ?? [])];

      expect(definition?.environment?.NODE_ENV).toBe('production');
      expect(config.runtime.mode).toBe('distributed');
      expect(host).toBe('0.0.0.0');
      expect(definition?.healthcheck?.test).toEqual(['CMD', ...(imageHealthcheck ?? ['no HEALTHCHECK'])]);
      expect(serviceFromCommand(pid1)).toBe(service);
      expect(readinessUrl(config, service)).toBe(`http://127.0.0.1:${port}/health/ready`);
    },
  );

  it('publishes only the gateway, so workers scale with --scale', () => {
    expect(compose.services['api-gateway']?.ports).toEqual(['${GATEWAY_PORT:-3000}:3000']);
    expect(compose.services['analysis-worker']?.ports).toBeUndefined();
    expect(compose.services['market-data']?.ports).toBeUndefined();
  });

  it('has no default for any secret: each must be set or compose refuses to start, or is optional and empty', () => {
    const secretReferences = [
      ...composeText.matchAll(/\$\{([A-Z_]*(PASSWORD|USERNAME|SECRET|TOKEN|KEY)[A-Z_]*)(:?[-?])?([^}]*)\}/g),
    ];
    // Optional secrets: their feature is off without them, and they default to nothing at all.
    const optional = ['OPENAI_API_KEYS', 'ALERT_WEBHOOK_SECRET', 'TELEGRAM_BOT_TOKEN'];

    expect(secretReferences.length).toBeGreaterThan(0);
    for (const [reference, name = '', , operator, rest] of secretReferences)
      if (optional.includes(name)) expect(reference).toBe(`\${${name}:-}`);
      else expect([name, operator, rest === '' ? '' : 'message']).toEqual([name, ':?', 'message']);
    // And no key holds a literal secret value.
    expect(composeText).not.toMatch(/^\s*[A-Z_]*(PASSWORD|SECRET|TOKEN)[A-Z_]*:\s*[^$\s]/m);
  });

  it('requires hashed API keys for the gateway only, on top of the shared environment', () => {
    const gateway = compose.services['api-gateway']?.environment ?? {};

    expect(gateway.API_KEY_HASHES).toMatch(/^\$\{API_KEY_HASHES:\?/);
    expect(Object.keys(gateway).sort()).toEqual([
      'ALERT_WEBHOOK_SECRET',
      'API_KEY_HASHES',
      'DISCORD_WEBHOOK_URL',
      'MONGODB_URI',
      'NODE_ENV',
      'OPENAI_API_KEYS',
      'REDIS_URL',
      'SLACK_WEBHOOK_URL',
      'TELEGRAM_BOT_TOKEN',
    ]);
    expect(compose.services['analysis-worker']?.environment?.API_KEY_HASHES).toBeUndefined();
  });

  it('gives the LLM keys to the apps that ask the model only, never to market-data', () => {
    for (const app of ['api-gateway', 'analysis-worker'])
      expect(compose.services[app]?.environment?.OPENAI_API_KEYS).toBe('${OPENAI_API_KEYS:-}');
    expect(compose.services['market-data']?.environment?.OPENAI_API_KEYS).toBeUndefined();
  });

  it('gives the alert channels’ secrets to the gateway only (it delivers the alerts), empty by default', () => {
    for (const name of [
      'ALERT_WEBHOOK_SECRET',
      'TELEGRAM_BOT_TOKEN',
      'DISCORD_WEBHOOK_URL',
      'SLACK_WEBHOOK_URL',
    ]) {
      expect(compose.services['api-gateway']?.environment?.[name]).toBe(`\${${name}:-}`);
      for (const app of ['analysis-worker', 'market-data'])
        expect([app, compose.services[app]?.environment?.[name]]).toEqual([app, undefined]);
    }
  });

  it('builds an image that runs as a non-root user', () => {
    expect(dockerfile).toMatch(/^USER node$/m);
    expect(dockerfile).toMatch(/npm ci/);
    expect(dockerfile).toMatch(/npm prune --omit=dev/);
  });

  it('runs every command under tini, so signals reach Node and zombies are reaped', () => {
    expect(dockerfile).toMatch(/apt-get install -y --no-install-recommends tini/);
    expect(dockerfile).toMatch(/^ENTRYPOINT \["\/usr\/bin\/tini", "--"\]$/m);
    // Compose sets `command`, never `entrypoint`: that would drop tini.
    for (const { service } of APPS)
      expect(Object.keys(compose.services[service] ?? {})).not.toContain('entrypoint');
  });

  it('health-checks the image with the built healthcheck tool, which the image builds', () => {
    const entry = imageHealthcheck?.[1] ?? '';

    expect(imageHealthcheck).toEqual(['node', 'dist/tools/healthcheck/main.js']);
    expect(dockerfile).toMatch(/^COPY tools \.\/tools$/m);
    expect(existsSync(join(REPO_ROOT, entry))).toBe(true);
    // Its timeout covers the probe's own (readiness waits up to dependencyTimeoutMs, then + 1 s).
    const timeout = Number(/^HEALTHCHECK .*--timeout=(\d+)s/m.exec(dockerfile)?.[1]);
    const config = loadConfig({ env: PRODUCTION_ENV });
    expect(timeout * 1000).toBeGreaterThan(config.monitoring.health.dependencyTimeoutMs + 1_000);
  });
});

describe('docker-compose.yml, monitoring profile', () => {
  const MONITORING = ['prometheus', 'grafana'] as const;

  /** `./host/path:/container/path[:ro]` bind mounts (named volumes have no leading `.`/`/`). */
  function bindMounts(service: string): { source: string; target: string; readOnly: boolean }[] {
    return (compose.services[service]?.volumes ?? [])
      .filter((volume) => volume.startsWith('./'))
      .map((volume) => {
        const [source = '', target = '', mode] = volume.split(':');
        return { source: join(REPO_ROOT, source), target, readOnly: mode === 'ro' };
      });
  }

  it.each(MONITORING)('runs %s from its official image at a pinned version', (service) => {
    const image = compose.services[service]?.image ?? '';

    expect(image).toMatch(/^(prom\/prometheus|grafana\/grafana):v?\d+\.\d+\.\d+$/);
  });

  it.each(MONITORING)('publishes %s on loopback only (neither has authentication here)', (service) => {
    const ports = compose.services[service]?.ports ?? [];

    expect(ports.length).toBe(1);
    for (const port of ports) expect(port).toMatch(/^127\.0\.0\.1:\$\{[A-Z_]+_PORT:-\d+\}:\d+$/);
  });

  it.each(MONITORING)(
    'mounts files that exist, read-only, and keeps its data in a named volume',
    (service) => {
      const mounts = bindMounts(service);
      const named = (compose.services[service]?.volumes ?? []).filter((volume) => !volume.startsWith('./'));

      expect(mounts.length).toBeGreaterThan(0);
      for (const { source, readOnly } of mounts)
        expect([source, existsSync(source), readOnly]).toEqual([source, true, true]);
      expect(named).toHaveLength(1);
      expect(Object.keys(compose.volumes)).toContain(named[0]?.split(':')[0]);
    },
  );

  it('starts Prometheus on the mounted prometheus.yml, whose rule file is mounted beside it', () => {
    const prometheus = compose.services.prometheus;
    const configFlag = prometheus?.command?.find((arg) => arg.startsWith('--config.file=')) ?? '';
    const mount = bindMounts('prometheus').find(({ target }) =>
      configFlag.slice('--config.file='.length).startsWith(`${target}/`),
    );
    const configFile = join(
      mount?.source ?? '',
      configFlag.slice('--config.file='.length + (mount?.target.length ?? 0)),
    );
    const config = parse(readFileSync(configFile, 'utf8')) as { rule_files: string[] };

    expect(mount?.source).toBe(join(REPO_ROOT, 'monitoring/prometheus'));
    // rule_files are relative to the config file, so the same paths hold here and in the container.
    for (const rules of config.rule_files) expect(existsSync(join(mount?.source ?? '', rules))).toBe(true);
  });

  it('provisions Grafana with the Prometheus service as its datasource and the mounted dashboards', () => {
    const mounts = bindMounts('grafana');
    const provisioning = mounts.find(({ target }) => target === '/etc/grafana/provisioning');
    const datasources = parse(
      readFileSync(join(provisioning?.source ?? '', 'datasources/prometheus.yml'), 'utf8'),
    ) as { datasources: { url: string; uid: string; type: string }[] };
    const providers = parse(
      readFileSync(join(provisioning?.source ?? '', 'dashboards/confluence.yml'), 'utf8'),
    ) as { providers: { options: { path: string } }[] };
    const dashboardPath = providers.providers[0]?.options.path;
    const dashboards = mounts.find(({ target }) => target === dashboardPath);
    const home = compose.services.grafana?.environment?.GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH ?? '';

    expect(datasources.datasources).toEqual([
      expect.objectContaining({ type: 'prometheus', uid: 'prometheus', url: 'http://prometheus:9090' }),
    ]);
    expect(dashboards?.source).toBe(join(REPO_ROOT, 'monitoring/grafana/dashboards'));
    expect(home.startsWith(`${dashboardPath}/`)).toBe(true);
    expect(existsSync(join(dashboards?.source ?? '', home.slice((dashboardPath ?? '').length)))).toBe(true);
  });

  it('lets Grafana be viewed without an account and logged into by nobody (no default admin password)', () => {
    const environment = compose.services.grafana?.environment ?? {};

    expect(environment).toMatchObject({
      GF_AUTH_ANONYMOUS_ENABLED: 'true',
      GF_AUTH_ANONYMOUS_ORG_ROLE: 'Viewer',
      GF_AUTH_DISABLE_LOGIN_FORM: 'true',
      GF_AUTH_BASIC_ENABLED: 'false',
    });
  });
});
