import type { AlertRule, MonitoringConfig } from '@app/config';
import { ServiceName } from '@app/contracts';
import { UnknownMetricError } from './alert-rules.js';
import type { MetricInfo } from './metric-catalog.js';

/** Where the compose `monitoring` profile's Grafana loads the dashboard from. */
export const GRAFANA_DASHBOARD_FILE = 'monitoring/grafana/dashboards/confluence.json';
/** The uid of the Prometheus datasource Grafana is provisioned with (monitoring/grafana/provisioning). */
export const PROMETHEUS_DATASOURCE = { type: 'prometheus', uid: 'prometheus' } as const;

/** Node's process metrics worth a panel (each must exist: the catalog is checked). */
const PROCESS_PANELS: readonly { readonly title: string; readonly expr: string; readonly unit: string }[] = [
  {
    title: 'CPU (cores)',
    expr: 'rate(confluence_process_cpu_seconds_total[$__rate_interval])',
    unit: 'short',
  },
  { title: 'Resident memory', expr: 'confluence_process_resident_memory_bytes', unit: 'bytes' },
  { title: 'Heap used', expr: 'confluence_nodejs_heap_size_used_bytes', unit: 'bytes' },
  { title: 'Event loop lag p99', expr: 'confluence_nodejs_eventloop_lag_p99_seconds', unit: 's' },
];

export interface DashboardTarget {
  readonly refId: string;
  readonly expr: string;
  readonly legendFormat: string;
  readonly datasource: typeof PROMETHEUS_DATASOURCE;
}

export interface DashboardPanel {
  readonly id: number;
  readonly type: 'row' | 'timeseries';
  readonly title: string;
  readonly gridPos: { readonly h: number; readonly w: number; readonly x: number; readonly y: number };
  readonly description?: string;
  readonly datasource?: typeof PROMETHEUS_DATASOURCE;
  readonly targets?: readonly DashboardTarget[];
  readonly fieldConfig?: unknown;
  readonly options?: unknown;
  readonly collapsed?: boolean;
  readonly panels?: readonly [];
}

export interface GrafanaDashboard {
  readonly uid: string;
  readonly title: string;
  readonly panels: readonly DashboardPanel[];
  readonly [setting: string]: unknown;
}

interface PanelSpec {
  readonly title: string;
  readonly description: string;
  readonly unit: string;
  readonly queries: readonly { readonly expr: string; readonly legend: string }[];
  readonly alerts: readonly AlertRule[];
}

/**
 * A Grafana dashboard of every metric the apps export: a row per app with a panel per metric of
 * its own (counters as rates, gauges as they are, histograms as p50/p95), a row of the metrics
 * several apps export (the store write path), then Node's process metrics of every app. An alert
 * of config/monitoring.yaml draws its threshold on its metric.
 */
export function grafanaDashboard(
  catalog: readonly MetricInfo[],
  monitoring: MonitoringConfig,
): GrafanaDashboard {
  const own = catalog.filter((metric) => !metric.process);
  const sections: [string, PanelSpec[]][] = [
    ServiceName.ApiGateway,
    ServiceName.AnalysisWorker,
    ServiceName.MarketData,
  ].map((service) => [
    service,
    own
      .filter((metric) => metric.services.length === 1 && metric.services[0] === service)
      .map((metric) => metricPanel(metric, monitoring.alerts)),
  ]);
  sections.push([
    'shared (every app that writes)',
    own
      .filter((metric) => metric.services.length > 1)
      .map((metric) => metricPanel(metric, monitoring.alerts, '{{job}} {{instance}}')),
  ]);
  sections.push([
    'process (every app)',
    PROCESS_PANELS.map(({ title, expr, unit }) => {
      const name = metricNamesOf(expr)[0] ?? '';
      const metric = catalog.find((known) => known.name === name);
      if (metric === undefined)
        throw new UnknownMetricError(`the dashboard's "${title}" panel reads ${name}, which no app exports`);
      return {
        title,
        description: metric.help,
        unit,
        queries: [{ expr, legend: '{{job}} {{instance}}' }],
        alerts: [],
      };
    }),
  ]);
  return {
    uid: 'confluence',
    title: 'Confluence',
    tags: ['confluence'],
    timezone: 'utc',
    editable: false,
    refresh: '30s',
    schemaVersion: 39,
    version: 1,
    time: { from: 'now-6h', to: 'now' },
    annotations: { list: [] },
    templating: { list: [] },
    panels: layout(sections),
  };
}

/** The metric names a PromQL expression reads (histogram series named by their base metric). */
export function metricNamesOf(expr: string): string[] {
  return [...expr.matchAll(/\bconfluence_[a-z0-9_]+/g)].map(([name]) =>
    name.replace(/_(bucket|sum|count)$/, ''),
  );
}

function metricPanel(
  metric: MetricInfo,
  alerts: readonly AlertRule[],
  unlabelled = '{{instance}}',
): PanelSpec {
  const labels = metric.labels.map((label) => `{{${label}}}`).join(' ');
  const legend = labels === '' ? unlabelled : labels;
  const base = {
    title: metric.name.replace(/^confluence_/, ''),
    description: metric.help,
    alerts: alerts.filter((alert) => alert.metric === metric.name),
  };
  // A counter an alert compares as it is (`dropped_writes_total > 0`) is charted as it is, so the
  // alert's threshold line means what the alert means; other counters as rates.
  if (metric.kind === 'counter' && base.alerts.length === 0) {
    // Labelled counters summed per label (over replicas); unlabelled ones per replica.
    const expr =
      metric.labels.length === 0
        ? `rate(${metric.name}[$__rate_interval])`
        : `sum by (${metric.labels.join(', ')}) (rate(${metric.name}[$__rate_interval]))`;
    return { ...base, title: `${base.title} (per second)`, unit: 'short', queries: [{ expr, legend }] };
  }
  if (metric.kind === 'histogram')
    return {
      ...base,
      unit: unitOf(metric.name),
      queries: [0.5, 0.95].map((quantile) => ({
        expr: `histogram_quantile(${quantile}, sum by (le) (rate(${metric.name}_bucket[$__rate_interval])))`,
        legend: `p${quantile * 100}`,
      })),
    };
  return { ...base, unit: unitOf(metric.name), queries: [{ expr: metric.name, legend }] };
}

function unitOf(name: string): string {
  if (name.endsWith('_seconds')) return 's';
  if (name.endsWith('_bytes')) return 'bytes';
  return 'short';
}

/** Rows of two panels a line, each section under a row header, ids in reading order. */
function layout(sections: readonly (readonly [string, readonly PanelSpec[]])[]): DashboardPanel[] {
  const panels: DashboardPanel[] = [];
  let y = 0;
  for (const [title, specs] of sections) {
    panels.push({
      id: panels.length + 1,
      type: 'row',
      title,
      collapsed: false,
      panels: [],
      gridPos: { h: 1, w: 24, x: 0, y },
    });
    y += 1;
    specs.forEach((spec, index) => {
      panels.push(
        timeseries(panels.length + 1, spec, {
          h: 8,
          w: 12,
          x: (index % 2) * 12,
          y: y + Math.floor(index / 2) * 8,
        }),
      );
    });
    y += Math.ceil(specs.length / 2) * 8;
  }
  return panels;
}

function timeseries(id: number, spec: PanelSpec, gridPos: DashboardPanel['gridPos']): DashboardPanel {
  // An alert's threshold as a red line from that value up: green below it, where all is well.
  const steps = [
    { color: 'green', value: null },
    ...spec.alerts.map((alert) => ({
      color: alert.severity === 'critical' ? 'red' : 'orange',
      value: alert.threshold,
    })),
  ];
  return {
    id,
    type: 'timeseries',
    title: spec.title,
    description: spec.description,
    datasource: PROMETHEUS_DATASOURCE,
    gridPos,
    targets: spec.queries.map(({ expr, legend }, index) => ({
      refId: String.fromCharCode(65 + index),
      expr,
      legendFormat: legend,
      datasource: PROMETHEUS_DATASOURCE,
    })),
    fieldConfig: {
      defaults: {
        unit: spec.unit,
        thresholds: { mode: 'absolute', steps },
        custom: { thresholdsStyle: { mode: spec.alerts.length === 0 ? 'off' : 'line' } },
      },
      overrides: [],
    },
    options: {
      legend: { displayMode: 'list', placement: 'bottom' },
      tooltip: { mode: 'multi', sort: 'desc' },
    },
  };
}

/** The dashboard as committed: two-space JSON and a final newline. */
export function renderDashboard(dashboard: GrafanaDashboard): string {
  return `${JSON.stringify(dashboard, null, 2)}\n`;
}
