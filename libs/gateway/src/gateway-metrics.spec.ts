import { describe, expect, it } from '@jest/globals';
import type { WriteMetricsStatus } from '@app/persistence';
import { GatewayMetrics } from './gateway-metrics.js';
import { MarketBoard } from './market-board.js';

/** `name{labels} value` lines of a scrape, without comments. */
const samples = (text: string): string[] =>
  text.split('\n').filter((line) => line !== '' && !line.startsWith('#'));

function metricsAt(clock: { now: number }, writes: WriteMetricsStatus): GatewayMetrics {
  return new GatewayMetrics(
    {
      board: new MarketBoard([], 3, () => clock.now),
      sockets: () => ({ connections: 2, subscriptions: 5, rooms: 3 }),
      writes: () => writes,
      now: () => clock.now,
    },
    { processMetrics: false },
  );
}

const RESULT = {
  exchange: 'binance',
  timeframe: '1m',
  trigger: 'candle',
  inputEmittedAt: 1_000_000,
  emittedAt: 1_000_250,
};

describe('GatewayMetrics', () => {
  it('counts each result heard and its lag, and how long ago the last one was', async () => {
    const clock = { now: 1_000_000 };
    const metrics = metricsAt(clock, { pending: 0, written: 0, dropped: 0, rejected: 0 });

    clock.now += 90_000;
    // None yet: the age runs from the start, so results that never come show as well.
    expect(samples(await metrics.registry.metrics())).toContain('confluence_last_result_age_seconds 90');

    metrics.resultHeard(RESULT);
    metrics.resultHeard({ ...RESULT, trigger: 'refresh', emittedAt: RESULT.inputEmittedAt + 1_500 });
    clock.now += 12_500;
    const scrape = samples(await metrics.registry.metrics());

    expect(scrape).toEqual(
      expect.arrayContaining([
        'confluence_results_total{exchange="binance",timeframe="1m",trigger="candle"} 1',
        'confluence_results_total{exchange="binance",timeframe="1m",trigger="refresh"} 1',
        'confluence_analysis_lag_seconds 1.5',
        'confluence_last_result_age_seconds 12.5',
      ]),
    );
  });

  it("reports this process's write path: written, dropped and rejected totals, and what waits", async () => {
    const writes = { pending: 7, written: 120, dropped: 3, rejected: 1 };
    const metrics = metricsAt({ now: 0 }, writes);

    const scrape = samples(await metrics.registry.metrics());

    expect(scrape).toEqual(
      expect.arrayContaining([
        'confluence_store_written_total 120',
        'confluence_store_dropped_writes_total 3',
        'confluence_store_rejected_writes_total 1',
        'confluence_store_pending_writes 7',
      ]),
    );
    // Totals are read at each scrape, never added up across scrapes.
    writes.dropped = 4;
    expect(samples(await metrics.registry.metrics())).toContain('confluence_store_dropped_writes_total 4');
    expect(await metrics.registry.metrics()).toMatch(/# TYPE confluence_store_dropped_writes_total counter/);
  });

  it("holds each stream's rolling score IC per horizon until the next refresh; below the floor only the count", async () => {
    const metrics = metricsAt({ now: 0 }, { pending: 0, written: 0, dropped: 0, rejected: 0 });
    const btc = { exchange: 'binance', symbol: 'BTC/USDT', timeframe: '1m' } as const;
    const labels = (horizon: number) =>
      `{exchange="binance",symbol="BTC/USDT",timeframe="1m",horizon="${horizon}"}`;

    metrics.scoreIcMeasured(btc, 1, -0.0125, 1_439);
    metrics.scoreIcMeasured(btc, 24, null, 600);
    const first = samples(await metrics.registry.metrics());

    expect(first).toEqual(
      expect.arrayContaining([
        `confluence_score_ic${labels(1)} -0.0125`,
        `confluence_score_ic_samples${labels(1)} 1439`,
        `confluence_score_ic_samples${labels(24)} 600`,
      ]),
    );
    expect(first.filter((line) => line.startsWith('confluence_score_ic{'))).toHaveLength(1);
    // A scrape reads what the last refresh set, and a horizon that falls below the floor loses its IC.
    metrics.scoreIcMeasured(btc, 1, null, 20);
    const second = samples(await metrics.registry.metrics());
    expect(second.filter((line) => line.startsWith('confluence_score_ic{'))).toEqual([]);
    expect(second).toContain(`confluence_score_ic_samples${labels(1)} 20`);
  });
});
