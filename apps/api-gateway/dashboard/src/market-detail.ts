import { type Api, ApiError } from './api.js';
import { el } from './dom.js';
import { formatTime, pathSymbol } from './format.js';
import type { ChartCounts, MarketChart, ScorePoint } from './market-chart.js';
import { breakdown, opinion, performance, probability, summary } from './result-sections.js';
import {
  type Candle,
  type FullResult,
  type LiveOpinion,
  type LiveUpdate,
  type PerformanceReport,
  type SignalChange,
  type StreamRef,
  streamKey,
} from './types.js';

/** Candles and scores drawn: a few hours of 1m candles, and history pages stay small. */
const CHART_LENGTH = 200;
/** A live update refreshes the breakdown and the candles at most this often. */
const REFRESH_MS = 5000;

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/**
 * One market in depth: candles with the score below and the label changes marked, the latest
 * result's breakdown, its probability and LLM opinion, and the forward-validation figures. Kept
 * current by the live feed while open.
 */
export class MarketDetail {
  #stream: StreamRef | null = null;
  #chart: MarketChart | null = null;
  #latest: FullResult | null = null;
  #refresh: number | null = null;
  /** Bumped on every open and close: answers for a market no longer shown are dropped. */
  #generation = 0;
  readonly #parts = {
    title: el('h2', { attrs: { id: 'detail-title' } }),
    summary: el('div'),
    chart: el('div', { className: 'chart', attrs: { id: 'chart' } }),
    caption: el('p', { className: 'caption', attrs: { id: 'chart-caption', 'data-state': 'loading' } }),
    note: el('p', { className: 'muted', attrs: { role: 'status' } }),
    breakdown: el('div'),
    probability: el('div'),
    opinion: el('div', { attrs: { id: 'opinion' } }),
    performance: el('div', { attrs: { id: 'performance' } }),
  };

  constructor(
    private readonly section: HTMLElement,
    private readonly api: Api,
    private readonly closed: () => void,
  ) {
    const close = el('button', { className: 'close', text: 'Close', attrs: { type: 'button' } });
    close.addEventListener('click', () => {
      this.close();
    });
    const p = this.#parts;
    section.replaceChildren(
      el('div', { className: 'panel-head' }, p.title, close),
      p.summary,
      p.chart,
      p.caption,
      p.note,
      el('h3', { text: 'Breakdown' }),
      p.breakdown,
      el('h3', { text: 'Probability of an up move' }),
      p.probability,
      el('h3', { text: 'LLM opinion' }),
      p.opinion,
      el('h3', { text: 'Forward validation' }),
      p.performance,
    );
  }

  isOpen(stream: StreamRef): boolean {
    return this.#stream !== null && streamKey(this.#stream) === streamKey(stream);
  }

  async open(stream: StreamRef): Promise<void> {
    this.close(false);
    const generation = ++this.#generation;
    this.#stream = stream;
    const p = this.#parts;
    p.title.textContent = `${stream.symbol} ${stream.timeframe} · ${stream.exchange}`;
    p.caption.dataset.state = 'loading';
    p.caption.textContent = 'Loading…';
    for (const part of [p.summary, p.note, p.breakdown, p.probability, p.opinion, p.performance])
      part.replaceChildren();
    this.section.hidden = false;
    this.section.scrollIntoView({ block: 'start' });
    const market = `${stream.exchange}/${pathSymbol(stream.symbol)}`;
    const query = `exchange=${stream.exchange}&symbol=${pathSymbol(stream.symbol)}&timeframe=${stream.timeframe}`;
    try {
      const [latest, candles, history, chartModule] = await Promise.all([
        this.api.get<FullResult>(`/v1/confluence/${market}?timeframe=${stream.timeframe}`),
        this.api.get<{ candles: Candle[] }>(
          `/v1/candles/${market}?timeframe=${stream.timeframe}&limit=${CHART_LENGTH}`,
        ),
        this.api.get<{ items: FullResult[] }>(
          `/v1/confluence/${market}/history?timeframe=${stream.timeframe}&limit=${CHART_LENGTH}`,
        ),
        import('./market-chart.js'),
      ]);
      // Every label change among the candles drawn (GET /v1/signals lists at most 1000).
      const since = candles.candles[0]?.timestamp ?? 0;
      const signals = await this.api.get<{ items: SignalChange[] }>(
        `/v1/signals?${query}&since=${since}&limit=1000`,
      );
      if (generation !== this.#generation) return;
      this.#showResult(latest);
      const chart = new chartModule.MarketChart(p.chart, latest.thresholds);
      this.#chart = chart;
      const scores: ScorePoint[] = history.items
        .map((item) => ({ time: Date.parse(item.candleTime), score: item.score }))
        .reverse();
      const counts = chart.setData(candles.candles, scores, signals.items);
      this.#describe(counts);
    } catch (error) {
      if (generation !== this.#generation) return;
      p.caption.dataset.state = 'error';
      p.caption.textContent =
        error instanceof ApiError && error.status === 404
          ? `No result yet: ${error.message}`
          : `Could not load: ${messageOf(error)}`;
    }
    void this.#loadPerformance(generation, query);
  }

  /** The open market loaded again (after a reconnect: the gateway may have restarted). */
  reload(): void {
    if (this.#stream !== null) void this.open(this.#stream);
  }

  close(notify = true): void {
    this.#generation += 1;
    this.#stream = null;
    this.#latest = null;
    this.#chart?.dispose();
    this.#chart = null;
    if (this.#refresh !== null) window.clearTimeout(this.#refresh);
    this.#refresh = null;
    this.section.hidden = true;
    if (notify) this.closed();
  }

  update(update: LiveUpdate): void {
    if (!this.isOpen(update)) return;
    this.#chart?.addScore({ time: update.candleTime, score: update.score });
    this.#refresh ??= window.setTimeout(() => {
      this.#refresh = null;
      void this.#refreshLatest(this.#generation);
    }, REFRESH_MS);
  }

  signal(change: SignalChange): void {
    if (this.isOpen(change)) this.#chart?.addSignal(change);
  }

  opinion(event: LiveOpinion): void {
    if (!this.isOpen(event) || this.#latest === null) return;
    if (Date.parse(this.#latest.candleTime) === event.candleTime)
      this.#parts.opinion.replaceChildren(opinion(event.opinion));
  }

  /** The caption says what is drawn; its data attributes carry the same figures for tests and tools. */
  #describe(counts: ChartCounts): void {
    const caption = this.#parts.caption;
    caption.dataset.state = 'ready';
    for (const [name, value] of Object.entries(counts))
      caption.dataset[name] = value === null ? '' : String(value);
    caption.textContent =
      `${counts.candles} candles${counts.firstCandle === null ? '' : ` from ${formatTime(counts.firstCandle)}`}, ` +
      `${counts.scores} scores, ${counts.markers} label change(s) marked (▲ LONG, ● NEUTRAL, ▼ SHORT)`;
  }

  #showResult(result: FullResult): void {
    this.#latest = result;
    const p = this.#parts;
    p.summary.replaceChildren(summary(result));
    p.breakdown.replaceChildren(breakdown(result));
    p.probability.replaceChildren(probability(result));
    p.opinion.replaceChildren(opinion(result.llm));
  }

  /** The latest result again, and the candles since the last one drawn. */
  async #refreshLatest(generation: number): Promise<void> {
    const stream = this.#stream;
    if (stream === null) return;
    const market = `${stream.exchange}/${pathSymbol(stream.symbol)}`;
    const since = this.#latest === null ? undefined : Date.parse(this.#latest.candleTime);
    try {
      const [latest, candles] = await Promise.all([
        this.api.get<FullResult>(`/v1/confluence/${market}?timeframe=${stream.timeframe}`),
        this.api.get<{ candles: Candle[] }>(
          `/v1/candles/${market}?timeframe=${stream.timeframe}&limit=${CHART_LENGTH}${since === undefined ? '' : `&from=${since}`}`,
        ),
      ]);
      if (generation !== this.#generation) return;
      this.#showResult(latest);
      this.#chart?.addCandles(candles.candles);
      this.#parts.note.textContent = '';
    } catch (error) {
      // What is shown stays; the next live update tries again.
      if (generation === this.#generation)
        this.#parts.note.textContent = `Refresh failed: ${messageOf(error)}`;
    }
  }

  async #loadPerformance(generation: number, query: string): Promise<void> {
    const part = this.#parts.performance;
    part.replaceChildren(el('p', { className: 'muted', text: 'Loading…' }));
    try {
      const report = await this.api.get<PerformanceReport>(`/v1/performance?${query}`);
      if (generation === this.#generation) part.replaceChildren(performance(report));
    } catch (error) {
      if (generation === this.#generation)
        part.replaceChildren(el('p', { className: 'muted', text: `Unavailable: ${messageOf(error)}` }));
    }
  }
}
