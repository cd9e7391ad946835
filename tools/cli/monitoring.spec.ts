import { describe, expect, it } from '@jest/globals';
import { type ConfluenceConfig, loadConfig } from '@app/config';
import { createConfigFixture, PROJECT_CONFIG_DIR } from '@app/testing';
import { alertRules, prometheusDuration, renderRuleFile, toYaml, UnknownMetricError } from './alert-rules.js';
import { type CliIo, ExitCode, runCli } from './cli.js';
import { grafanaDashboard, metricNamesOf, renderDashboard } from './grafana-dashboard.js';
import { metricCatalog } from './metric-catalog.js';

/** The CLI with files and streams in memory, over the given configuration. */
function harness(config: () => ConfluenceConfig) {
  const written: Record<string, string> = {};
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = {
    readFile: () => {
      throw new Error('the monitoring commands read no file');
    },
    writeFile: (path, text) => {
      written[path] = text;
    },
    stdout: (text) => out.push(text),
    stderr: (text) => err.push(text),
    loadConfig: config,
  };
  return { io, written, out: () => out.join(''), err: () => err.join('') };
}

const projectConfig = (): ConfluenceConfig => loadConfig({ env: { CONFIG_DIR: PROJECT_CONFIG_DIR } });
const catalog = metricCatalog();

describe('cli alert-rules and grafana-dashboard', () => {
  it.each([
    ['alert-rules', () => renderRuleFile(alertRules(projectConfig().monitoring, catalog))],
    ['grafana-dashboard', () => renderDashboard(grafanaDashboard(catalog, projectConfig().monitoring))],
  ])('%s prints the file, or writes it to --out', (command, expected) => {
    const printed = harness(projectConfig);
    const saved = harness(projectConfig);

    expect(runCli([command], printed.io)).toBe(ExitCode.Ok);
    expect(runCli([command, '--out', '/generated'], saved.io)).toBe(ExitCode.Ok);
    expect(printed.out()).toBe(expected());
    expect(saved.written).toEqual({ '/generated': expected() });
    expect(saved.out()).toBe('');
  });

  it('refuses flags other than --out (exit 2, with the usage)', () => {
    const h = harness(projectConfig);

    expect(runCli(['alert-rules', '--output', 'x.yml'], h.io)).toBe(ExitCode.BadInput);
    expect(h.err()).toContain('alert-rules takes only --out, not --output');
    expect(h.err()).toContain('cli grafana-dashboard [--out <file>]');
  });

  it('exits 1 naming the alert that watches a metric no app exports, writing nothing', () => {
    const fixture = createConfigFixture();
    try {
      fixture.patch('monitoring.yaml', 'confluence_store_dropped_writes_total', 'confluence_dropped_total');
      const h = harness(() => loadConfig({ env: { CONFIG_DIR: fixture.dir } }));

      expect(runCli(['alert-rules', '--out', '/rules.yml'], h.io)).toBe(ExitCode.Failure);
      expect(h.err()).toBe(
        'alert "writes-dropped" watches confluence_dropped_total, which no app exports (see their /metrics)\n',
      );
      expect(h.written).toEqual({});
    } finally {
      fixture.cleanup();
    }
  });
});

describe('alertRules', () => {
  it('turns each alert into `metric operator threshold`, its duration and severity', () => {
    const rules = alertRules(projectConfig().monitoring, catalog).groups[0].rules;

    expect(rules.find((rule) => rule.alert === 'market-data-stale')).toEqual({
      alert: 'market-data-stale',
      expr: 'confluence_market_data_age_seconds > 300',
      for: '1m',
      labels: { severity: 'warning' },
      annotations: {
        summary:
          'market-data-stale: confluence_market_data_age_seconds is {{ $value }} on {{ $labels.job }} {{ $labels.instance }}',
        description:
          'Seconds since the newest closed candle of each stream arrived. Fires when ' +
          'confluence_market_data_age_seconds > 300 has held for 1m (config/monitoring.yaml).',
      },
    });
    expect(rules.find((rule) => rule.alert === 'writes-dropped')?.annotations.description).toMatch(
      /Fires when confluence_store_dropped_writes_total > 0 \(config/,
    );
  });

  it('throws for a metric missing from the catalog', () => {
    const withoutLag = catalog.filter((metric) => metric.name !== 'confluence_analysis_lag_seconds');

    expect(() => alertRules(projectConfig().monitoring, withoutLag)).toThrow(UnknownMetricError);
  });
});

describe('prometheusDuration', () => {
  it.each([
    [0, '0s'],
    [59, '59s'],
    [60, '1m'],
    [90, '90s'],
    [3600, '1h'],
    [5400, '90m'],
    [86_400, '24h'],
  ])('writes %d s as %s', (seconds, duration) => {
    expect(prometheusDuration(seconds)).toBe(duration);
  });
});

describe('toYaml', () => {
  it('writes nested maps and lists in block style, list items sharing the dash', () => {
    expect(toYaml({ groups: [{ name: 'a', rules: [{ alert: 'x' }, { alert: 'z' }] }] }, '')).toBe(
      'groups:\n  - name: a\n    rules:\n      - alert: x\n      - alert: z\n',
    );
    expect(toYaml({ matrix: [[1, 2], ['b']] }, '')).toBe('matrix:\n  - - 1\n    - 2\n  - - b\n');
  });

  it('leaves plain words bare and quotes everything YAML could read otherwise', () => {
    expect(
      toYaml(
        { word: 'warning', yes: 'yes', nothing: 'null', expr: 'a > 1', time: '1m', colon: 'a: b', n: 5 },
        '',
      ),
    ).toBe('word: warning\nyes: "yes"\nnothing: "null"\nexpr: "a > 1"\ntime: "1m"\ncolon: "a: b"\nn: 5\n');
  });

  it('writes empty lists and maps in flow style', () => {
    expect(toYaml({ rules: [], labels: {} }, '')).toBe('rules: []\nlabels: {}\n');
    expect(toYaml([], '')).toBe('[]\n');
  });
});

describe('grafanaDashboard', () => {
  const dashboard = grafanaDashboard(catalog, projectConfig().monitoring);
  const panel = (title: string) => dashboard.panels.find((candidate) => candidate.title === title);

  it('draws each alert threshold on its metric, red when the alert is critical', () => {
    const steps = (title: string) =>
      (panel(title)?.fieldConfig as { defaults: { thresholds: { steps: unknown[] } } }).defaults.thresholds
        .steps;

    expect(steps('market_data_age_seconds')).toEqual([
      { color: 'green', value: null },
      { color: 'orange', value: 300 },
    ]);
    expect(steps('store_dropped_writes_total')).toEqual([
      { color: 'green', value: null },
      { color: 'red', value: 0 },
    ]);
    expect(steps('socket_rooms')).toEqual([{ color: 'green', value: null }]);
  });

  it('charts counters as rates (summed per label, else per replica) and histograms as p50/p95', () => {
    expect(panel('worker_takeovers_total (per second)')?.targets?.map((t) => t.expr)).toEqual([
      'rate(confluence_worker_takeovers_total[$__rate_interval])',
    ]);
    expect(panel('socket_rejected_total (per second)')?.targets?.map((t) => t.expr)).toEqual([
      'sum by (reason) (rate(confluence_socket_rejected_total[$__rate_interval]))',
    ]);
    expect(panel('http_request_duration_seconds')?.targets?.map((t) => t.legendFormat)).toEqual([
      'p50',
      'p95',
    ]);
  });

  it('lays panels out two a line under a row per app, without overlaps', () => {
    const cells = new Set<string>();
    for (const { gridPos } of dashboard.panels)
      for (let x = gridPos.x; x < gridPos.x + gridPos.w; x++)
        for (let y = gridPos.y; y < gridPos.y + gridPos.h; y++) {
          expect(cells.has(`${x},${y}`)).toBe(false);
          cells.add(`${x},${y}`);
        }
    expect(dashboard.panels.filter((p) => p.type === 'row').map((p) => p.title)).toEqual([
      'api-gateway',
      'analysis-worker',
      'market-data',
      'shared (every app that writes)',
      'process (every app)',
    ]);
    // A metric several apps export is charted once, in the shared row, per process.
    const shared = dashboard.panels.filter((p) => p.title.startsWith('store_'));
    expect(shared.map((p) => p.title).sort()).toEqual([
      'store_dropped_writes_total',
      'store_pending_writes',
      'store_rejected_writes_total (per second)',
      'store_written_total (per second)',
    ]);
  });

  it('refuses a process panel whose metric the apps do not export', () => {
    const withoutHeap = catalog.filter((metric) => metric.name !== 'confluence_nodejs_heap_size_used_bytes');

    expect(() => grafanaDashboard(withoutHeap, projectConfig().monitoring)).toThrow(UnknownMetricError);
  });

  it('reads the metric names of a query, histograms by their base name', () => {
    expect(
      metricNamesOf(
        'histogram_quantile(0.5, sum by (le) (rate(confluence_http_request_duration_seconds_bucket[5m])))',
      ),
    ).toEqual(['confluence_http_request_duration_seconds']);
    expect(metricNamesOf('confluence_a_total / confluence_b_count')).toEqual([
      'confluence_a_total',
      'confluence_b',
    ]);
  });
});
