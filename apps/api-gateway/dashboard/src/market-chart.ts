import {
  CandlestickSeries,
  createChart,
  createSeriesMarkers,
  type IChartApi,
  type ISeriesApi,
  type ISeriesMarkersPluginApi,
  LineSeries,
  LineStyle,
  type SeriesMarker,
  type Time,
  type UTCTimestamp,
} from 'lightweight-charts';
import type { Candle, Signal, SignalChange } from './types.js';

/** A result's score at its candle's open time (ms). */
export interface ScorePoint {
  readonly time: number;
  readonly score: number;
}

/** What the chart draws, as the page reports it under the chart. */
export interface ChartCounts {
  readonly panes: number;
  readonly candles: number;
  /** Open times (ms) of the first and last candle drawn (null: none). */
  readonly firstCandle: number | null;
  readonly lastCandle: number | null;
  readonly scores: number;
  /** Open time (ms) of the newest score drawn (null: none). */
  readonly lastScore: number | null;
  readonly markers: number;
}

const COLORS: Readonly<Record<Signal, string>> = { LONG: '#15803d', NEUTRAL: '#6b7280', SHORT: '#b91c1c' };

/** lightweight-charts counts time in UTC seconds. */
const seconds = (ms: number): UTCTimestamp => Math.floor(ms / 1000) as UTCTimestamp;

function markerOf(change: SignalChange): SeriesMarker<Time> {
  return {
    time: seconds(change.time),
    position: change.to === 'SHORT' ? 'aboveBar' : 'belowBar',
    shape: change.to === 'LONG' ? 'arrowUp' : change.to === 'SHORT' ? 'arrowDown' : 'circle',
    color: COLORS[change.to],
  };
}

/**
 * A market's candles (pane 0) with its confluence score as a line in a pane below (0–100, the
 * label thresholds dashed), and each label change marked on its candle. Loaded on demand (its own
 * chunk): the table does not wait for the charting library.
 */
export class MarketChart {
  readonly #chart: IChartApi;
  readonly #candles: ISeriesApi<'Candlestick'>;
  readonly #scores: ISeriesApi<'Line'>;
  readonly #markers: ISeriesMarkersPluginApi<Time>;
  #candleTimes = new Set<number>();
  #signals: SignalChange[] = [];
  #lastCandle = -Infinity;
  #lastScore = -Infinity;
  #scoreCount = 0;

  constructor(container: HTMLElement, thresholds: { readonly short: number; readonly long: number }) {
    this.#chart = createChart(container, {
      autoSize: true,
      layout: { background: { color: 'transparent' }, textColor: '#374151', attributionLogo: false },
      grid: { vertLines: { color: '#f0f0f0' }, horzLines: { color: '#f0f0f0' } },
      timeScale: { timeVisible: true, secondsVisible: false },
    });
    this.#candles = this.#chart.addSeries(CandlestickSeries, {
      upColor: '#16a34a',
      downColor: '#dc2626',
      borderVisible: false,
      wickUpColor: '#16a34a',
      wickDownColor: '#dc2626',
    });
    this.#scores = this.#chart.addSeries(
      LineSeries,
      {
        color: '#2563eb',
        lineWidth: 2,
        priceFormat: { type: 'custom', formatter: (v: number) => v.toFixed(1), minMove: 0.1 },
      },
      1,
    );
    for (const [price, title] of [
      [thresholds.long, 'LONG'],
      [thresholds.short, 'SHORT'],
    ] as const)
      this.#scores.createPriceLine({
        price,
        title,
        color: '#9ca3af',
        lineStyle: LineStyle.Dashed,
        lineWidth: 1,
        axisLabelVisible: true,
      });
    this.#chart.panes()[1]?.setStretchFactor(0.6);
    this.#markers = createSeriesMarkers(this.#candles, []);
  }

  /** The whole picture (oldest first): candles, their scores, and the label changes among those candles. */
  setData(
    candles: readonly Candle[],
    scores: readonly ScorePoint[],
    signals: readonly SignalChange[],
  ): ChartCounts {
    this.#candles.setData(
      candles.map((c) => ({
        time: seconds(c.timestamp),
        open: c.open,
        high: c.high,
        low: c.low,
        close: c.close,
      })),
    );
    this.#candleTimes = new Set(candles.map((c) => c.timestamp));
    this.#lastCandle = candles.at(-1)?.timestamp ?? -Infinity;
    // Scores before the first candle would stretch the time axis over an empty price pane.
    const first = candles[0]?.timestamp ?? -Infinity;
    const shown = scores.filter((point) => point.time >= first);
    this.#scores.setData(shown.map((p) => ({ time: seconds(p.time), value: p.score })));
    this.#lastScore = shown.at(-1)?.time ?? -Infinity;
    this.#scoreCount = shown.length;
    this.#signals = [...signals];
    this.#drawMarkers();
    this.#chart.timeScale().fitContent();
    return this.counts();
  }

  /** Newer candles (the last one may be replaced); older ones are ignored. */
  addCandles(candles: readonly Candle[]): void {
    for (const c of candles) {
      if (c.timestamp < this.#lastCandle) continue;
      this.#candles.update({
        time: seconds(c.timestamp),
        open: c.open,
        high: c.high,
        low: c.low,
        close: c.close,
      });
      this.#candleTimes.add(c.timestamp);
      this.#lastCandle = c.timestamp;
    }
    this.#drawMarkers();
  }

  addScore(point: ScorePoint): void {
    if (point.time < this.#lastScore) return;
    if (point.time > this.#lastScore) this.#scoreCount += 1;
    this.#scores.update({ time: seconds(point.time), value: point.score });
    this.#lastScore = point.time;
  }

  addSignal(change: SignalChange): void {
    this.#signals.push(change);
    this.#drawMarkers();
  }

  counts(): ChartCounts {
    const times = [...this.#candleTimes];
    return {
      panes: this.#chart.panes().length,
      candles: times.length,
      firstCandle: times.length === 0 ? null : Math.min(...times),
      lastCandle: times.length === 0 ? null : Math.max(...times),
      scores: this.#scoreCount,
      lastScore: Number.isFinite(this.#lastScore) ? this.#lastScore : null,
      markers: this.#markers.markers().length,
    };
  }

  dispose(): void {
    this.#chart.remove();
  }

  /** A marker needs its candle on the chart: changes outside the candles shown are left out. */
  #drawMarkers(): void {
    const shown = this.#signals
      .filter((change) => this.#candleTimes.has(change.time))
      .sort((a, b) => a.time - b.time)
      .map(markerOf);
    this.#markers.setMarkers(shown);
  }
}
