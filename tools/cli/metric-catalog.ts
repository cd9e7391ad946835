import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { registerAlertMetrics } from '@app/alerts';
import { WorkerMetrics, type WorkerMetricsStatus } from '@app/analysis';
import { ServiceName } from '@app/contracts';
import { GatewayMetrics, MarketBoard } from '@app/gateway';
import { registerLlmMetrics } from '@app/llm';
import { MarketDataMetrics } from '@app/market';
import { registerWriteMetrics } from '@app/persistence';

export type MetricKind = 'counter' | 'gauge' | 'histogram' | 'summary';

/** A metric some app's `/metrics` serves, as registered with prom-client. */
export interface MetricInfo {
  readonly name: string;
  readonly help: string;
  readonly kind: MetricKind;
  readonly labels: readonly string[];
  /** The apps that serve it on their own `/metrics` (process metrics are everyone's). */
  readonly services: readonly ServiceName[];
  /** One of Node's process metrics (prom-client's defaults), rather than the app's own. */
  readonly process: boolean;
}

/** The prefix every app gives prom-client's process metrics. */
const PROCESS_PREFIX = 'confluence_';

/**
 * Every metric the apps export, read from the registries the apps themselves build (the same
 * classes, with sources that are never read: nothing is collected here), so an alert rule or a
 * dashboard panel can be checked against what really exists.
 */
export function metricCatalog(): readonly MetricInfo[] {
  const unread = (): never => {
    throw new Error('the catalog only lists metrics; it never collects them');
  };
  const gateway = new GatewayMetrics(
    { board: new MarketBoard([], 1, unread), sockets: unread, writes: unread, now: () => 0 },
    { processMetrics: true },
  );
  const worker = new WorkerMetrics((): WorkerMetricsStatus => unread(), {
    processMetrics: true,
    writes: unread,
  });
  // Both apps that ask the model register its metrics (local mode: the one process's).
  registerLlmMetrics(gateway.registry, unread);
  registerLlmMetrics(worker.registry, unread);
  // The gateway delivers the alerts of monitoring.yaml notifications.
  registerAlertMetrics(gateway.registry, unread);
  const marketData = new MarketDataMetrics(unread, { processMetrics: true, now: unread });
  registerWriteMetrics(marketData.registry, unread);
  const defaults = new Registry();
  collectDefaultMetrics({ register: defaults, prefix: PROCESS_PREFIX });
  const processNames = new Set(defaults.getMetricsAsArray().map((metric) => metric.name));
  const byName = new Map<string, MetricInfo>();
  for (const [service, registry] of [
    [ServiceName.ApiGateway, gateway.registry],
    [ServiceName.AnalysisWorker, worker.registry],
    [ServiceName.MarketData, marketData.registry],
  ] as const)
    for (const metric of describe(registry)) {
      const known = byName.get(metric.name);
      byName.set(metric.name, {
        ...metric,
        services: [...(known?.services ?? []), service],
        process: processNames.has(metric.name),
      });
    }
  return [...byName.values()].sort((a, b) => a.name.localeCompare(b.name));
}

function describe(registry: Registry): Omit<MetricInfo, 'services' | 'process'>[] {
  return registry.getMetricsAsArray().map((metric) => ({
    name: metric.name,
    help: metric.help,
    kind:
      metric instanceof Counter
        ? 'counter'
        : metric instanceof Gauge
          ? 'gauge'
          : metric instanceof Histogram
            ? 'histogram'
            : 'summary',
    // prom-client keeps the declared label names on the metric; its types leave them out.
    labels: [...((metric as { labelNames?: readonly string[] }).labelNames ?? [])],
  }));
}
