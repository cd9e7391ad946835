import { Counter, collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import { registerWriteMetrics, type WriteMetricsStatus } from '@app/persistence';
import type { AnalysisCounters } from './analysis-stats.js';
import type { DistributedAnalysisStatus } from './distributed-analysis.types.js';

/** The part of a worker's status its metrics read (at scrape time). */
export type WorkerMetricsStatus = Pick<
  DistributedAnalysisStatus,
  'markets' | 'takeovers' | 'restores' | 'rebuilds' | 'snapshotsSaved' | 'lostCommits' | 'ownership'
> & { readonly counters: AnalysisCounters };

/**
 * A distributed worker's Prometheus metrics: the markets it holds and every ownership change (so
 * a lease storm shows as a rate, not only in the logs), takeovers and how they resumed, and its
 * analysis counters. A registry of its own (prom-client's default one is module-level state).
 */
export class WorkerMetrics {
  readonly registry = new Registry();

  constructor(
    status: () => WorkerMetricsStatus,
    options: {
      readonly processMetrics: boolean;
      /** The worker's store write path (results and signals), when it has one. */
      readonly writes?: () => WriteMetricsStatus;
    },
  ) {
    const registers = [this.registry];
    if (options.writes !== undefined) registerWriteMetrics(this.registry, options.writes);
    if (options.processMetrics) collectDefaultMetrics({ register: this.registry, prefix: 'confluence_' });
    new Gauge({
      name: 'confluence_worker_markets',
      help: 'markets this worker holds the lease of',
      registers,
      collect() {
        this.set(status().markets.length);
      },
    });
    new Counter({
      name: 'confluence_worker_ownership_acquired_total',
      help: 'markets acquired (at start, on a takeover, or given back by rendezvous hashing)',
      registers,
      collect() {
        this.reset();
        this.inc(status().ownership.acquired);
      },
    });
    new Counter({
      name: 'confluence_worker_ownership_lost_total',
      help: 'markets lost, by reason: expired (a lease lapsed), rebalanced (handed over), stopped',
      labelNames: ['reason'],
      registers,
      collect() {
        this.reset();
        for (const [reason, count] of Object.entries(status().ownership.lost)) this.inc({ reason }, count);
      },
    });
    const totals: [string, string, (s: WorkerMetricsStatus) => number][] = [
      ['takeovers', 'markets taken over (resumed from their checkpoints)', (s) => s.takeovers],
      ['takeover_restores', 'takeovers that restored an engine snapshot (exact)', (s) => s.restores],
      [
        'takeover_rebuilds',
        'takeovers that rebuilt from stored candles (no usable snapshot)',
        (s) => s.rebuilds,
      ],
      ['snapshots_saved', 'engine snapshots saved', (s) => s.snapshotsSaved],
      [
        'lost_commits',
        'batches not published because the lease was gone (the new owner redoes them)',
        (s) => s.lostCommits,
      ],
      ['candles', 'closed candles analysed', (s) => s.counters.candles],
      ['results', 'results computed', (s) => s.counters.results],
      ['signals', 'label changes', (s) => s.counters.signals],
      ['rejected', 'log entries refused on receipt (malformed)', (s) => s.counters.rejected],
    ];
    for (const [name, help, read] of totals)
      new Counter({
        name: `confluence_worker_${name}_total`,
        help,
        registers,
        collect() {
          this.reset();
          this.inc(read(status()));
        },
      });
  }
}
