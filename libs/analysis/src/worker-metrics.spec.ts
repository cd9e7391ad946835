import { describe, expect, it } from '@jest/globals';
import { WorkerMetrics, type WorkerMetricsStatus } from './worker-metrics.js';

const status = (acquired: number, lost: Record<string, number>): WorkerMetricsStatus => ({
  markets: [
    { market: 'binance:BTC/USDT', offset: '1-0', repairing: false },
    { market: 'bybit:LTC/USDT', offset: '2-0', repairing: false },
  ],
  takeovers: 3,
  restores: 2,
  rebuilds: 1,
  snapshotsSaved: 40,
  lostCommits: 1,
  ownership: { acquired, lost },
  counters: {
    candles: 1200,
    results: 1000,
    refreshes: 0,
    signals: 57,
    skippedCandles: 0,
    coalesced: 0,
    rejected: 2,
    storeRefused: 0,
  },
});

/** `name{labels} value` lines of a scrape, without comments. */
const samples = (text: string): string[] =>
  text.split('\n').filter((line) => line !== '' && !line.startsWith('#'));

describe('WorkerMetrics', () => {
  it('reports what the status says at each scrape: markets, ownership changes by reason, takeovers, counters', async () => {
    let current = status(4, { rebalanced: 2 });
    const metrics = new WorkerMetrics(() => current, { processMetrics: false });

    expect(samples(await metrics.registry.metrics())).toEqual([
      'confluence_worker_markets 2',
      'confluence_worker_ownership_acquired_total 4',
      'confluence_worker_ownership_lost_total{reason="rebalanced"} 2',
      'confluence_worker_takeovers_total 3',
      'confluence_worker_takeover_restores_total 2',
      'confluence_worker_takeover_rebuilds_total 1',
      'confluence_worker_snapshots_saved_total 40',
      'confluence_worker_lost_commits_total 1',
      'confluence_worker_candles_total 1200',
      'confluence_worker_results_total 1000',
      'confluence_worker_signals_total 57',
      'confluence_worker_rejected_total 2',
    ]);

    // A later scrape: totals as they are now, not added to the previous ones.
    current = status(6, { rebalanced: 2, expired: 3 });
    const later = samples(await metrics.registry.metrics());
    expect(later).toContain('confluence_worker_ownership_acquired_total 6');
    expect(later).toContain('confluence_worker_ownership_lost_total{reason="rebalanced"} 2');
    expect(later).toContain('confluence_worker_ownership_lost_total{reason="expired"} 3');
  });

  it('adds the write path of the worker when given one', async () => {
    const metrics = new WorkerMetrics(() => status(0, {}), {
      processMetrics: false,
      writes: () => ({ pending: 2, written: 900, dropped: 5, rejected: 0 }),
    });

    expect(samples(await metrics.registry.metrics())).toEqual(
      expect.arrayContaining([
        'confluence_store_dropped_writes_total 5',
        'confluence_store_pending_writes 2',
      ]),
    );
  });

  it('adds the process metrics when asked', async () => {
    const metrics = new WorkerMetrics(() => status(0, {}), { processMetrics: true });
    expect(await metrics.registry.metrics()).toMatch(/^confluence_process_cpu_seconds_total /m);
  });
});
