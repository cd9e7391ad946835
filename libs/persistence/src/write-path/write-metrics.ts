import { Counter, Gauge, type Registry } from 'prom-client';
import type { StoreWriterStatus } from './store-writer.js';

/** What the write-path metrics read, at scrape time. */
export type WriteMetricsStatus = Pick<StoreWriterStatus, 'pending' | 'written' | 'dropped' | 'rejected'>;

/**
 * The store write path's metrics, the same names in every app that writes (gateway: results posted
 * with `store: true`; worker: results and signals; market-data: candles and order books), so one
 * alert on `confluence_store_dropped_writes_total` covers whichever process lost writes. Totals are
 * counters since the process started (`increase()` gives recent losses).
 */
export function registerWriteMetrics(registry: Registry, status: () => WriteMetricsStatus): void {
  const registers = [registry];
  const totals: [string, string, (s: WriteMetricsStatus) => number][] = [
    ['written', 'store writes done (each a batch of results, signals, candles or books)', (s) => s.written],
    [
      'dropped_writes',
      'store writes refused because the write buffer was full: data lost (each logged)',
      (s) => s.dropped,
    ],
    [
      'rejected_writes',
      'store writes the store refused as invalid (not retried; each logged)',
      (s) => s.rejected,
    ],
  ];
  for (const [name, help, read] of totals)
    new Counter({
      name: `confluence_store_${name}_total`,
      help,
      registers,
      collect() {
        this.reset();
        this.inc(read(status()));
      },
    });
  new Gauge({
    name: 'confluence_store_pending_writes',
    help: 'store writes waiting in the buffer (grows while the store is away)',
    registers,
    collect() {
      this.set(status().pending);
    },
  });
}
