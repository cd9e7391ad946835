import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { parse } from 'yaml';
import { ALERT_OPERATORS, type ConfluenceConfig, listenAddressOf, loadConfig } from '@app/config';
import type { ServiceName } from '@app/contracts';
import { createServiceApp, initServiceApp, type ServiceDefinition } from '@app/platform';
import {
  createConfigFixture,
  httpServerOf,
  PROJECT_CONFIG_DIR,
  REPO_ROOT,
  SpawnedProcess,
} from '@app/testing';
import { analysisWorkerService } from '../apps/analysis-worker/src/analysis-worker.definition.js';
import { apiGatewayService } from '../apps/api-gateway/src/api-gateway.definition.js';
import { marketDataService } from '../apps/market-data/src/market-data.definition.js';
import { ALERT_RULES_FILE } from '../tools/cli/alert-rules.js';
import { GRAFANA_DASHBOARD_FILE, metricNamesOf } from '../tools/cli/grafana-dashboard.js';
import { metricCatalog } from '../tools/cli/metric-catalog.js';
import { requireBuilt } from './process-kit.js';

/**
 * The compose `monitoring` profile's files: the alert rules and the dashboard the CLI generates
 * (committed, so they must equal what it renders now), and Prometheus' scrape configuration, all
 * checked against the metrics the apps really serve.
 */
const CLI = 'dist/tools/cli/main.js';
const PROMETHEUS_CONFIG = 'monitoring/prometheus/prometheus.yml';
const APPS: readonly ServiceDefinition[] = [apiGatewayService, analysisWorkerService, marketDataService];
const PRODUCTION_ENV = {
  CONFIG_DIR: PROJECT_CONFIG_DIR,
  NODE_ENV: 'production',
  REDIS_URL: 'redis://:pw@redis:6379',
  MONGODB_URI: 'mongodb://user:pw@mongo:27017/confluence?authSource=admin',
};

interface RuleFile {
  groups: { name: string; rules: Record<string, unknown>[] }[];
}
interface ScrapeConfig {
  job_name: string;
  metrics_path?: string;
  static_configs?: { targets: string[] }[];
  dns_sd_configs?: { names: string[]; type: string; port: number }[];
}
interface Panel {
  id: number;
  type: string;
  datasource?: { uid: string };
  targets?: { expr: string; datasource: { uid: string } }[];
}

const read = (file: string): string => readFileSync(join(REPO_ROOT, file), 'utf8');
const catalog = metricCatalog();
const config = loadConfig({ env: { CONFIG_DIR: PROJECT_CONFIG_DIR } });
const ruleFile = parse(read(ALERT_RULES_FILE)) as RuleFile;
const scrapeConfigs = (parse(read(PROMETHEUS_CONFIG)) as { scrape_configs: ScrapeConfig[] }).scrape_configs;

/** The built CLI's output, as `npm run -s cli -- <args>` prints it (after its build). */
async function runBuiltCli(args: readonly string[]): Promise<string> {
  const cli = SpawnedProcess.node(CLI, { PATH: process.env.PATH, CONFIG_DIR: PROJECT_CONFIG_DIR }, args);
  expect(await cli.exited).toEqual({ code: 0, signal: null });
  return cli.stdout;
}

/** `promtool check …` when Prometheus' tool is installed (Debian: `apt-get install prometheus`). */
function promtool(args: readonly string[]): { status: number | null; output: string } | null {
  const run = spawnSync('promtool', args, { cwd: REPO_ROOT, encoding: 'utf8' });
  if ((run.error as { code?: unknown } | undefined)?.code === 'ENOENT') return null;
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

/** Each app's own `/metrics` text (404 when it serves none), run alone in local mode. */
const served = new Map<ServiceName, { status: number; text: string }>();

beforeAll(async () => {
  requireBuilt([CLI]);
  const fixture = createConfigFixture();
  const localConfig: ConfluenceConfig = loadConfig({ env: { CONFIG_DIR: fixture.dir } });
  try {
    for (const service of APPS) {
      const app: INestApplication = await createServiceApp(localConfig, service);
      try {
        await initServiceApp(app);
        const response = await request(httpServerOf(app)).get('/metrics');
        served.set(service.name, { status: response.status, text: response.text });
      } finally {
        await app.close();
      }
    }
  } finally {
    fixture.cleanup();
  }
});

describe('the metric catalog the CLI checks against', () => {
  it('lists exactly the metrics each app serves on /metrics', () => {
    for (const service of APPS) {
      const answer = served.get(service.name);
      const names = [...(answer?.text ?? '').matchAll(/^# HELP (\S+) /gm)].map(([, name]) => name).sort();
      const listed = catalog.filter((metric) => metric.services.includes(service.name)).map((m) => m.name);

      expect([service.name, names]).toEqual([service.name, listed.sort()]);
      expect([service.name, answer?.status]).toEqual([service.name, listed.length === 0 ? 404 : 200]);
    }
    // Every app serves /metrics (market-data too, since its exchange and candle metrics exist).
    expect(APPS.map((service) => served.get(service.name)?.status)).toEqual(APPS.map(() => 200));
  });
});

describe(ALERT_RULES_FILE, () => {
  it('is what `npm run -s cli -- alert-rules` renders from config/monitoring.yaml now', async () => {
    expect(await runBuiltCli(['alert-rules'])).toBe(read(ALERT_RULES_FILE));
  });

  it('has one group of rules, one per configured alert, each complete and uniquely named', () => {
    const rules = ruleFile.groups.flatMap((group) => group.rules);

    expect(ruleFile.groups.map((group) => group.name)).toEqual(['confluence']);
    expect(rules.map((rule) => rule.alert)).toEqual(config.monitoring.alerts.map((alert) => alert.name));
    expect(new Set(rules.map((rule) => rule.alert)).size).toBe(rules.length);
    for (const rule of rules)
      expect(rule).toEqual({
        alert: expect.stringMatching(/^[a-z][a-z0-9-]*$/),
        expr: expect.any(String),
        for: expect.stringMatching(/^\d+[smh]$/),
        labels: { severity: expect.stringMatching(/^(info|warning|critical)$/) },
        annotations: { summary: expect.any(String), description: expect.any(String) },
      });
  });

  it('builds each expr as `<metric> <operator> <number>` and `for` from the configured alert', () => {
    const operators = ALERT_OPERATORS.map((op) => op.replace(/[=<>!]/g, '\\$&')).join('|');
    const shape = new RegExp(
      `^([a-zA-Z_:][a-zA-Z0-9_:]*) (${operators}) (-?\\d+(?:\\.\\d+)?(?:e[-+]?\\d+)?)$`,
    );
    const unit = { s: 1, m: 60, h: 3600 } as const;

    for (const [index, rule] of ruleFile.groups[0]!.rules.entries()) {
      const alert = config.monitoring.alerts[index]!;
      const [, metric, operator, threshold] = shape.exec(String(rule.expr)) ?? [];
      const [, amount, suffix] = /^(\d+)([smh])$/.exec(String(rule.for)) ?? [];

      expect([metric, operator, Number(threshold)]).toEqual([alert.metric, alert.operator, alert.threshold]);
      expect(Number(amount) * unit[suffix as keyof typeof unit]).toBe(alert.forSeconds);
      expect(rule.labels).toEqual({ severity: alert.severity });
    }
  });

  it('alerts only on metrics an app exports and Prometheus scrapes', () => {
    const scraped = new Set(scrapeConfigs.map((job) => job.job_name));

    for (const alert of config.monitoring.alerts) {
      const metric = catalog.find((known) => known.name === alert.metric);
      expect([alert.name, metric?.services.some((service) => scraped.has(service))]).toEqual([
        alert.name,
        true,
      ]);
    }
  });

  it('exits 1 naming the alert when one watches a metric no app exports', async () => {
    const fixture = createConfigFixture();
    try {
      fixture.patch('monitoring.yaml', 'confluence_analysis_lag_seconds', 'confluence_analysis_lag_ms');
      const cli = SpawnedProcess.node(CLI, { PATH: process.env.PATH, CONFIG_DIR: fixture.dir }, [
        'alert-rules',
      ]);

      expect(await cli.exited).toEqual({ code: 1, signal: null });
      expect(cli.stderr).toContain(
        'alert "analysis-lag-high" watches confluence_analysis_lag_ms, which no app exports',
      );
      expect(cli.stdout).toBe('');
    } finally {
      fixture.cleanup();
    }
  });

  // promtool is optional on a developer's machine; the shape checks above run either way.
  const checked =
    promtool(['--version']) === null ? 'is not installed: the shape checks above stand in' : 'accepts';
  it(`promtool ${checked} the rule file and prometheus.yml`, () => {
    const rules = promtool(['check', 'rules', ALERT_RULES_FILE]);
    const prometheus = promtool(['check', 'config', PROMETHEUS_CONFIG]);
    if (rules === null || prometheus === null) {
      // Nothing to run: the file still parsed into the configured number of rules.
      expect(ruleFile.groups[0]?.rules).toHaveLength(config.monitoring.alerts.length);
      return;
    }

    expect(rules).toEqual({
      status: 0,
      output: expect.stringContaining(`SUCCESS: ${config.monitoring.alerts.length} rules found`),
    });
    expect(prometheus).toEqual({
      status: 0,
      output: expect.stringContaining('is valid prometheus config file syntax'),
    });
  });
});

describe(PROMETHEUS_CONFIG, () => {
  it('scrapes exactly the apps that serve /metrics, on their container ports', () => {
    const serving = APPS.filter((service) => served.get(service.name)?.status === 200).map((s) => s.name);
    const production = loadConfig({ env: PRODUCTION_ENV });
    // The gateway's metrics are on a port of their own in production (http.metricsPort).
    const metricsPort = (service: ServiceName): number =>
      (service === apiGatewayService.name ? production.app.http.metricsPort : null) ??
      listenAddressOf(production, service).port;

    expect(production.app.http.metricsPort).not.toBeNull();
    expect(scrapeConfigs.map((job) => job.job_name).sort()).toEqual([...serving].sort());
    for (const job of scrapeConfigs) {
      const port = metricsPort(job.job_name as ServiceName);
      const targets = [
        ...(job.static_configs ?? []).flatMap((target) => target.targets),
        ...(job.dns_sd_configs ?? []).flatMap((sd) => sd.names.map((name) => `${name}:${sd.port}`)),
      ];

      expect(job.metrics_path ?? '/metrics').toBe('/metrics');
      expect(targets).toEqual([`${job.job_name}:${port}`]);
    }
  });

  it('finds every analysis-worker replica through Docker DNS (one A record per replica)', () => {
    const worker = scrapeConfigs.find((job) => job.job_name === 'analysis-worker');

    expect(worker?.dns_sd_configs).toEqual([
      expect.objectContaining({ names: ['analysis-worker'], type: 'A' }),
    ]);
    expect(worker?.static_configs).toBeUndefined();
  });
});

describe(GRAFANA_DASHBOARD_FILE, () => {
  const dashboard = JSON.parse(read(GRAFANA_DASHBOARD_FILE)) as { uid: string; panels: Panel[] };
  const graphs = dashboard.panels.filter((panel) => panel.type !== 'row');
  const datasource = (
    parse(read('monitoring/grafana/provisioning/datasources/prometheus.yml')) as {
      datasources: { uid: string }[];
    }
  ).datasources[0]?.uid;

  it('is what `npm run -s cli -- grafana-dashboard` renders now', async () => {
    expect(await runBuiltCli(['grafana-dashboard'])).toBe(read(GRAFANA_DASHBOARD_FILE));
  });

  it('queries only metrics the apps export, through the provisioned datasource', () => {
    const known = new Set(catalog.map((metric) => metric.name));

    expect(graphs.length).toBeGreaterThan(0);
    for (const panel of graphs) {
      expect(panel.datasource?.uid).toBe(datasource);
      expect(panel.targets?.length).toBeGreaterThan(0);
      for (const target of panel.targets ?? []) {
        const names = metricNamesOf(target.expr);
        expect(names.length).toBeGreaterThan(0);
        for (const name of names) expect([target.expr, known.has(name)]).toEqual([target.expr, true]);
        expect(target.datasource.uid).toBe(datasource);
      }
    }
  });

  it('has a panel for every metric of the apps’ own, with unique panel ids', () => {
    const charted = new Set(
      graphs.flatMap((panel) => (panel.targets ?? []).flatMap((t) => metricNamesOf(t.expr))),
    );
    const ids = dashboard.panels.map((panel) => panel.id);

    for (const metric of catalog.filter((m) => !m.process))
      expect([metric.name, charted.has(metric.name)]).toEqual([metric.name, true]);
    expect(new Set(ids).size).toBe(ids.length);
  });
});
