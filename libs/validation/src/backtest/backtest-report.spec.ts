import { describe, expect, it } from '@jest/globals';
import { loadConfig } from '@app/config';
import { loadMarketCandles, MARKET_FILES, PROJECT_CONFIG_DIR } from '@app/testing';
import { informationCoefficient } from '../stats/ic.js';
import { labelReport } from '../stats/labels.js';
import { backtestReport, marketSeries, poolSeries } from './backtest-report.js';
import { runBacktest } from './backtest-runner.js';
import { renderReportTable } from './report-table.js';

const config = loadConfig({ env: { NODE_ENV: 'test', CONFIG_DIR: PROJECT_CONFIG_DIR } });
const options = { horizons: [1, 12], momentum: 12, seed: 3, resamples: 100 };
const markets = runBacktest(
  [
    {
      name: 'btc.csv',
      exchange: 'binance',
      symbol: 'BTC/USDT',
      timeframe: '1m',
      candles: loadMarketCandles(MARKET_FILES.btc1m, 700),
    },
    {
      name: 'ltc.csv',
      exchange: 'binance',
      symbol: 'LTC/USDT',
      timeframe: '1m',
      candles: loadMarketCandles(MARKET_FILES.ltc1m, 500),
    },
  ],
  config,
);

describe('backtest report', () => {
  const btc = marketSeries(markets[0]!, options, 0);
  const ltc = marketSeries(markets[1]!, options, 1);

  it('measures forward returns within the file, from each row’s own candle', () => {
    const { rows, candles } = markets[0]!;
    const at12 = btc.forward.get(12)!;
    const row = rows[100]!;
    expect(at12[100]).toBeCloseTo(Math.log(candles[row.candleIndex + 12]!.close / row.close), 15);
    // The last 12 rows have no 12-candle return in the file: none is borrowed from the next one.
    expect(Array.from(at12.slice(-12)).every(Number.isNaN)).toBe(true);
    expect(Number.isFinite(at12.at(-13)!)).toBe(true);
    // Momentum at a row: ln(close / close 12 candles earlier).
    expect(btc.baselines.momentum[100]).toBeCloseTo(
      Math.log(row.close / candles[row.candleIndex - 12]!.close),
      15,
    );
  });

  it('pools by concatenating the files’ rows, each keeping its own forward returns', () => {
    const pooled = poolSeries([btc, ltc]);
    expect(pooled.length).toBe(btc.length + ltc.length);
    expect(Array.from(pooled.forward.get(12)!)).toEqual([...btc.forward.get(12)!, ...ltc.forward.get(12)!]);
    expect(Array.from(pooled.subScores['technical.rsi']!)).toEqual([
      ...btc.subScores['technical.rsi']!,
      ...ltc.subScores['technical.rsi']!,
    ]);
    expect(pooled.labels).toEqual([...btc.labels, ...ltc.labels]);
  });

  it('reports each series with the statistics library, per file and pooled', () => {
    const report = backtestReport(markets, options);
    expect(report.markets.map((m) => [m.name, m.rows])).toEqual([
      ['btc.csv', markets[0]!.rows.length],
      ['ltc.csv', markets[1]!.rows.length],
    ]);
    const h12 = report.markets[0]!.horizons[1]!;
    const ic = { horizon: 12, resamples: 100, seed: 3 };
    expect(h12.ic.score).toEqual(informationCoefficient(btc.score, btc.forward.get(12)!, ic));
    expect(h12.ic.subScores['volume.obv']).toEqual(
      informationCoefficient(btc.subScores['volume.obv']!, btc.forward.get(12)!, ic),
    );
    expect(h12.ic.baselines.technicalRating).toEqual(
      informationCoefficient(btc.baselines.technicalRating, btc.forward.get(12)!, ic),
    );
    expect(h12.labels.engine).toEqual(labelReport(btc.labels, btc.forward.get(12)!, ic));
    expect(h12.ic.score.independent).toBe(Math.floor(h12.ic.score.n / 12));
    // A component with no data: no figures, and its leave-one-out is the score's own estimate.
    expect(h12.ic.components.orderBook).toMatchObject({ n: 0, sufficient: false, ic: null });
    expect(h12.ic.leaveOneOut.orderBook).toEqual(h12.ic.score);
    expect(report.pooled?.rows).toBe(markets[0]!.rows.length + markets[1]!.rows.length);
    // The redundancy matrix leaves out what never had a value.
    expect(report.markets[0]!.redundancy.names).toContain('technicalRating');
    expect(report.markets[0]!.redundancy.names).not.toContain('orderBook');
  });

  it('says "insufficient" instead of a figure with fewer than 30 independent returns', () => {
    const report = backtestReport([markets[1]!], { ...options, horizons: [24] });
    const h24 = report.markets[0]!.horizons[0]!;
    expect(h24.ic.score).toMatchObject({ sufficient: false, ic: null, interval: null });
    expect(h24.ic.score.independent).toBeLessThan(30);
    expect(report.pooled).toBeNull();
    expect(renderReportTable(report)).toMatch(/score\s+insufficient \(n \d+, \d+ indep\.\)/);
  });
});
