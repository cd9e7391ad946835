import { Counter, Gauge, type Registry } from 'prom-client';
import type { AlertsStatus } from './alert-notifier.js';
import { DELIVERY_OUTCOMES } from './channel-dispatcher.js';

/**
 * The alerts' metrics on an app's registry, read from the notifier's counters at scrape time:
 * deliveries by channel and final outcome, retries, queue depth, and alerts fired by rule.
 */
export function registerAlertMetrics(registry: Registry, status: () => AlertsStatus): void {
  const registers = [registry];
  new Counter({
    name: 'confluence_alert_deliveries_total',
    help: 'alert deliveries by channel and final outcome: delivered, failed, deduped, rate-limited, dropped',
    labelNames: ['channel', 'outcome'],
    registers,
    collect() {
      this.reset();
      for (const channel of status().channels)
        for (const outcome of DELIVERY_OUTCOMES)
          this.inc({ channel: channel.name, outcome }, channel.outcomes[outcome]);
    },
  });
  new Counter({
    name: 'confluence_alert_delivery_retries_total',
    help: 'alert delivery attempts after a failed one, by channel',
    labelNames: ['channel'],
    registers,
    collect() {
      this.reset();
      for (const channel of status().channels) this.inc({ channel: channel.name }, channel.retries);
    },
  });
  new Gauge({
    name: 'confluence_alert_queue_depth',
    help: 'alert deliveries waiting or being attempted, by channel',
    labelNames: ['channel'],
    registers,
    collect() {
      this.reset();
      for (const channel of status().channels) this.set({ channel: channel.name }, channel.depth);
    },
  });
  new Counter({
    name: 'confluence_alerts_fired_total',
    help: 'alerts the rules of monitoring.yaml notifications fired, by rule',
    labelNames: ['rule'],
    registers,
    collect() {
      this.reset();
      for (const [rule, count] of Object.entries(status().fired)) this.inc({ rule }, count);
    },
  });
}
