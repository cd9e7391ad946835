import type { AlertRule, MonitoringConfig } from '@app/config';
import type { MetricInfo } from './metric-catalog.js';

/** One Prometheus alerting rule (https://prometheus.io/docs/prometheus/latest/configuration/alerting_rules/). */
export interface PrometheusAlertRule {
  readonly alert: string;
  readonly expr: string;
  readonly for: string;
  readonly labels: { readonly severity: AlertRule['severity'] };
  readonly annotations: { readonly summary: string; readonly description: string };
}

export interface PrometheusRuleFile {
  readonly groups: readonly [{ readonly name: 'confluence'; readonly rules: readonly PrometheusAlertRule[] }];
}

/** Where the compose `monitoring` profile's Prometheus loads the rules from. */
export const ALERT_RULES_FILE = 'monitoring/prometheus/alert-rules.yml';

/** An alert that cannot become a rule: it watches a metric no app exports (it would never fire). */
export class UnknownMetricError extends Error {}

/**
 * config/monitoring.yaml's `alerts` as a Prometheus rule file: `expr` is `<metric> <operator>
 * <threshold>`, evaluated per series (so per stream for labelled metrics), firing once it has
 * held for `forSeconds`.
 */
export function alertRules(monitoring: MonitoringConfig, catalog: readonly MetricInfo[]): PrometheusRuleFile {
  const rules = monitoring.alerts.map((alert) => {
    const metric = catalog.find((known) => known.name === alert.metric);
    if (metric === undefined)
      throw new UnknownMetricError(
        `alert "${alert.name}" watches ${alert.metric}, which no app exports (see their /metrics)`,
      );
    const condition = `${alert.operator} ${String(alert.threshold)}`;
    const duration = prometheusDuration(alert.forSeconds);
    return {
      alert: alert.name,
      expr: `${alert.metric} ${condition}`,
      for: duration,
      labels: { severity: alert.severity },
      annotations: {
        summary: `${alert.name}: ${alert.metric} is {{ $value }} on {{ $labels.job }} {{ $labels.instance }}`,
        description:
          `${capitalise(metric.help)}. Fires when ${alert.metric} ${condition}` +
          `${alert.forSeconds === 0 ? '' : ` has held for ${duration}`} (config/monitoring.yaml).`,
      },
    };
  });
  return { groups: [{ name: 'confluence', rules }] };
}

/** Seconds as a Prometheus duration in the largest whole unit: 0s, 90s, 2m, 1h. */
export function prometheusDuration(seconds: number): string {
  if (seconds > 0 && seconds % 3600 === 0) return `${seconds / 3600}h`;
  if (seconds > 0 && seconds % 60 === 0) return `${seconds / 60}m`;
  return `${seconds}s`;
}

/** The rule file as YAML, with a header saying where it comes from (it is committed). */
export function renderRuleFile(file: PrometheusRuleFile): string {
  return (
    '# Generated from config/monitoring.yaml by `npm run -s cli -- alert-rules --out ' +
    `${ALERT_RULES_FILE}\`.\n# Do not edit: change the alerts there and regenerate (a test compares the two).\n` +
    toYaml(file, '')
  );
}

/** Plain data: strings, numbers, and arrays and records of them. */
type YamlValue = string | number | object;

/** Strings YAML reads back as the same string unquoted: a word, not a boolean or null. */
const PLAIN = /^[A-Za-z][A-Za-z0-9_-]*$/;
const YAML_KEYWORDS = /^(true|false|yes|no|on|off|y|n|null)$/i;

/**
 * Block-style YAML of plain data. Strings other than plain words are written as JSON strings,
 * which are valid YAML double-quoted scalars, so no value (a `{{ $value }}` template, a `>`)
 * needs YAML's quoting rules.
 */
export function toYaml(value: YamlValue, indent: string): string {
  if (typeof value === 'string' && PLAIN.test(value) && !YAML_KEYWORDS.test(value)) return `${value}\n`;
  if (typeof value !== 'object') return `${JSON.stringify(value)}\n`;
  const entries: [string | null, YamlValue][] = Array.isArray(value)
    ? (value as readonly YamlValue[]).map((item) => [null, item])
    : Object.entries(value as Readonly<Record<string, YamlValue>>);
  if (entries.length === 0) return Array.isArray(value) ? '[]\n' : '{}\n';
  return entries
    .map(([key, item]) => {
      const prefix = key === null ? `${indent}- ` : `${indent}${key}:`;
      const flow = typeof item !== 'object' || Object.keys(item).length === 0;
      if (flow) return `${prefix}${key === null ? '' : ' '}${toYaml(item, '')}`;
      const nested = toYaml(item, `${indent}  `);
      // A list item's first line shares the dash: "- alert: x" rather than "-\n  alert: x".
      return key === null ? `${prefix}${nested.slice(indent.length + 2)}` : `${prefix}\n${nested}`;
    })
    .join('');
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
