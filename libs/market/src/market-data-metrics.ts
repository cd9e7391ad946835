import { Counter, collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import type { ExchangeCounters } from './faults/exchange-gate.js';
import type { MarketDataStatus } from './market-ingestion.js';
import { STREAM_KINDS, type StreamStatus } from './stream/stream-types.js';

const STATES = ['ok', 'degraded', 'down'] as const;
const STREAM_STATES = ['streaming', 'polling', 'polling (fallback)', 'down'] as const;

/**
 * market-data's Prometheus metrics, read from its status at scrape time: each exchange's state
 * (one series per state, 1 for the current one — the usual way to export an enum) and request
 * counters, each stream's published, backfilled and missing candles and how long ago it last
 * published, the replay's progress, and the process. A registry of its own (prom-client's default
 * one is module-level state), to which the app adds its store write path.
 */
export class MarketDataMetrics {
  readonly registry = new Registry();

  constructor(
    status: () => MarketDataStatus,
    options: {
      readonly processMetrics: boolean;
      readonly now: () => number;
    },
  ) {
    const registers = [this.registry];
    if (options.processMetrics) collectDefaultMetrics({ register: this.registry, prefix: 'confluence_' });
    new Gauge({
      name: 'confluence_exchange_state',
      help: 'state of each exchange feed: 1 on the current one of ok, degraded, down',
      labelNames: ['exchange', 'state'],
      registers,
      collect() {
        this.reset();
        for (const exchange of status().exchanges)
          for (const state of STATES)
            this.set({ exchange: exchange.exchange, state }, exchange.status === state ? 1 : 0);
      },
    });
    new Gauge({
      name: 'confluence_exchanges_down',
      help: 'exchange feeds that are down (consecutive failures past exchangeDownAfterFailures, or breaker open)',
      registers,
      collect() {
        this.set(status().exchanges.filter((exchange) => exchange.status === 'down').length);
      },
    });
    const requestTotals: [string, string, keyof ExchangeCounters][] = [
      ['requests', 'calls made to the exchange', 'requests'],
      ['failures', 'calls that failed (after their retries)', 'failures'],
      ['rate_limited', 'calls answered with a rate limit', 'rateLimited'],
      ['malformed', 'responses (or parts) dropped because they did not validate', 'malformed'],
      ['retries', 'retries of failed calls', 'retries'],
    ];
    for (const [name, help, field] of requestTotals)
      new Counter({
        name: `confluence_exchange_${name}_total`,
        help,
        labelNames: ['exchange'],
        registers,
        collect() {
          this.reset();
          for (const exchange of status().exchanges)
            this.inc({ exchange: exchange.exchange }, exchange.counters[field]);
        },
      });
    const candleTotals: [string, string, 'published' | 'backfilled' | 'missing'][] = [
      ['published', 'closed candles published on the bus', 'published'],
      ['backfilled', 'candles published late to close a gap', 'backfilled'],
      ['missing', 'intervals declared missing (the exchange skipped them every time asked)', 'missing'],
    ];
    for (const [name, help, field] of candleTotals)
      new Counter({
        name: `confluence_candles_${name}_total`,
        help,
        labelNames: ['exchange', 'symbol', 'timeframe'],
        registers,
        collect() {
          this.reset();
          for (const exchange of status().exchanges)
            for (const market of exchange.markets)
              this.inc(
                { exchange: exchange.exchange, symbol: market.symbol, timeframe: market.timeframe },
                market[field],
              );
        },
      });
    new Gauge({
      name: 'confluence_candle_publish_age_seconds',
      help: 'seconds since each stream last published a closed candle (market-data side of freshness)',
      labelNames: ['exchange', 'symbol', 'timeframe'],
      registers,
      collect() {
        this.reset();
        const now = options.now();
        for (const exchange of status().exchanges)
          for (const market of exchange.markets)
            if (market.lastPublishedAt !== null)
              this.set(
                { exchange: exchange.exchange, symbol: market.symbol, timeframe: market.timeframe },
                Math.max(0, now - market.lastPublishedAt) / 1000,
              );
      },
    });
    new Gauge({
      name: 'confluence_stream_state',
      help: 'where each data kind of each exchange comes from: 1 on the current one of streaming, polling, polling (fallback), down',
      labelNames: ['exchange', 'kind', 'state'],
      registers,
      collect() {
        this.reset();
        for (const exchange of status().exchanges)
          for (const kind of STREAM_KINDS)
            for (const state of STREAM_STATES)
              this.set(
                { exchange: exchange.exchange, kind, state },
                exchange.streams.kinds[kind] === state ? 1 : 0,
              );
      },
    });
    const streamTotals: [string, string, keyof StreamStatus & `${string}s`][] = [
      ['reconnects', 'stream sessions ended and opened again (dropped, silent, book gap)', 'reconnects'],
      ['silences', 'streams declared silent (no data frame within stream.silenceMs)', 'silences'],
      ['book_resyncs', 'order books rebuilt after a sequence gap or checksum failure', 'bookResyncs'],
      [
        'malformed_frames',
        'stream frames or updates dropped because they did not validate',
        'malformedFrames',
      ],
      ['refused_subscriptions', 'subscriptions the exchange refused', 'refusedSubscriptions'],
      ['candles', 'closed candles published on a stream update', 'streamedCandles'],
    ];
    for (const [name, help, field] of streamTotals)
      new Counter({
        name: `confluence_stream_${name}_total`,
        help,
        labelNames: ['exchange'],
        registers,
        collect() {
          this.reset();
          for (const exchange of status().exchanges) {
            const value = exchange.streams[field];
            if (typeof value === 'number') this.inc({ exchange: exchange.exchange }, value);
          }
        },
      });
    new Counter({
      name: 'confluence_replay_candles_published_total',
      help: 'candles the replay has published (replay mode only)',
      registers,
      collect() {
        this.reset();
        this.inc(status().replay?.published ?? 0);
      },
    });
  }
}
