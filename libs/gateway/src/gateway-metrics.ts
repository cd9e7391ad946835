import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { StreamRef } from '@app/contracts';
import { registerWriteMetrics, type WriteMetricsStatus } from '@app/persistence';
import type { ScoreIcGauges } from './forward-validation.js';
import type { MarketBoard } from './market-board.js';

/** What the metrics read at scrape time (each is cheap: counters kept elsewhere). */
export interface MetricSources {
  readonly board: MarketBoard;
  /** Socket.IO connections and market subscriptions of this replica. */
  readonly sockets: () => {
    readonly connections: number;
    readonly subscriptions: number;
    readonly rooms: number;
  };
  /** This process's store write path (results posted with `store: true`; all writes in local mode). */
  readonly writes: () => WriteMetricsStatus;
  /** The clock, for how long ago the last result was heard. */
  readonly now: () => number;
}

/** The parts of a `confluence.updated` event the metrics count. */
interface HeardResult {
  readonly exchange: string;
  readonly timeframe: string;
  readonly trigger: string;
  readonly emittedAt: number;
  readonly inputEmittedAt: number;
}

/**
 * The gateway's Prometheus metrics, on a registry of its own (prom-client's default registry is
 * module-level state; two apps in one test process would share it).
 */
export class GatewayMetrics implements ScoreIcGauges {
  readonly registry = new Registry();
  readonly httpDuration: Histogram<'method' | 'route' | 'status'>;
  readonly results: Counter<'exchange' | 'timeframe' | 'trigger'>;
  readonly signals: Counter<'exchange' | 'timeframe' | 'to'>;
  readonly analysisLag: Gauge;
  readonly socketEmits: Counter<'event'>;
  readonly socketRejected: Counter<'reason'>;
  readonly #scoreIc: Gauge<'exchange' | 'symbol' | 'timeframe' | 'horizon'>;
  readonly #scoreIcSamples: Gauge<'exchange' | 'symbol' | 'timeframe' | 'horizon'>;
  /** When the last result was heard; the start until then, so results that never come show too. */
  #lastResultAt: number;
  readonly #now: () => number;

  constructor(sources: MetricSources, options: { readonly processMetrics: boolean }) {
    this.#now = sources.now;
    this.#lastResultAt = sources.now();
    const lastResultAt = (): number => this.#lastResultAt;
    const registers = [this.registry];
    if (options.processMetrics) collectDefaultMetrics({ register: this.registry, prefix: 'confluence_' });
    this.httpDuration = new Histogram({
      name: 'confluence_http_request_duration_seconds',
      help: 'REST request latency by route template and status',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    });
    this.results = new Counter({
      name: 'confluence_results_total',
      help: 'confluence.updated events received from the bus (rate() gives results/s)',
      labelNames: ['exchange', 'timeframe', 'trigger'],
      registers,
    });
    this.signals = new Counter({
      name: 'confluence_signal_changes_total',
      help: 'signal.changed events received from the bus',
      labelNames: ['exchange', 'timeframe', 'to'],
      registers,
    });
    this.analysisLag = new Gauge({
      name: 'confluence_analysis_lag_seconds',
      help: 'input published → result published, of the latest result',
      registers,
    });
    this.socketEmits = new Counter({
      name: 'confluence_socket_updates_emitted_total',
      help: 'updates this replica emitted to Socket.IO rooms (each update is emitted by one replica)',
      labelNames: ['event'],
      registers,
    });
    this.socketRejected = new Counter({
      name: 'confluence_socket_rejected_total',
      help: 'Socket.IO connections and messages refused, by reason',
      labelNames: ['reason'],
      registers,
    });
    new Gauge({
      name: 'confluence_socket_connections',
      help: 'open Socket.IO connections on /signals (this replica)',
      registers,
      collect() {
        this.set(sources.sockets().connections);
      },
    });
    new Gauge({
      name: 'confluence_socket_subscriptions',
      help: 'market subscriptions held by sockets on this replica',
      registers,
      collect() {
        this.set(sources.sockets().subscriptions);
      },
    });
    new Gauge({
      name: 'confluence_socket_rooms',
      help: 'market rooms with at least one subscriber on this replica',
      registers,
      collect() {
        this.set(sources.sockets().rooms);
      },
    });
    new Gauge({
      name: 'confluence_market_data_age_seconds',
      help: 'seconds since the newest closed candle of each stream arrived',
      labelNames: ['exchange', 'symbol', 'timeframe'],
      registers,
      collect() {
        this.reset();
        for (const { stream, ageSeconds } of sources.board.ages())
          if (ageSeconds !== null)
            this.set(
              { exchange: stream.exchange, symbol: stream.symbol, timeframe: stream.timeframe },
              ageSeconds,
            );
      },
    });
    // The lag gauge keeps its last value when results stop; this one grows, so an alert sees it.
    new Gauge({
      name: 'confluence_last_result_age_seconds',
      help: 'seconds since this replica last heard a result on the bus (since start when none yet)',
      registers,
      collect() {
        this.set(Math.max(0, sources.now() - lastResultAt()) / 1000);
      },
    });
    // Set by forward validation on its own interval (validation.yaml gauges.refreshSeconds), not per scrape.
    this.#scoreIc = new Gauge({
      name: 'confluence_score_ic',
      help: 'Spearman rank IC of the score against the forward log return over the rolling window, by horizon in candles (absent while insufficient)',
      labelNames: ['exchange', 'symbol', 'timeframe', 'horizon'],
      registers,
    });
    this.#scoreIcSamples = new Gauge({
      name: 'confluence_score_ic_samples',
      help: 'samples with a forward return behind confluence_score_ic, by horizon in candles',
      labelNames: ['exchange', 'symbol', 'timeframe', 'horizon'],
      registers,
    });
    registerWriteMetrics(this.registry, sources.writes);
  }

  /** A stream's rolling IC at one horizon; below the sufficiency floor its series is removed, not zeroed. */
  scoreIcMeasured(stream: StreamRef, horizon: number, ic: number | null, samples: number): void {
    const labels = {
      exchange: stream.exchange,
      symbol: stream.symbol,
      timeframe: stream.timeframe,
      horizon: String(horizon),
    };
    if (ic === null) this.#scoreIc.remove(labels);
    else this.#scoreIc.set(labels, ic);
    this.#scoreIcSamples.set(labels, samples);
  }

  /** Counts a `confluence.updated` heard on the bus: results, lag, and when. */
  resultHeard(event: HeardResult): void {
    this.results.inc({ exchange: event.exchange, timeframe: event.timeframe, trigger: event.trigger });
    this.analysisLag.set(Math.max(0, event.emittedAt - event.inputEmittedAt) / 1000);
    this.#lastResultAt = this.#now();
  }
}
