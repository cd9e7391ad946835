import { performance } from 'node:perf_hooks';
import { MarketAnalyzer } from '@app/analysis';
import type { ConfluenceConfig } from '@app/config';
import { type ConfluenceEngine, createConfluenceEngine } from '@app/confluence';
import { marketId } from '@app/contracts';
import { type BurstClose, type ScaleMarket, type SourceCandles, warmupCandles } from './scale-markets.js';

/** The scale benchmark's plan (markets, clock, bursts) and the engine-alone baseline run on it. */

export interface ScalePlan {
  readonly config: ConfluenceConfig;
  readonly source: SourceCandles;
  readonly markets: readonly ScaleMarket[];
  /** Where every market's warm-up ends (ms); burst k's 1m candles open at origin + k minutes. */
  readonly origin: number;
  /** Candles of each timeframe a market is warmed with. */
  readonly warmup: number;
  /** Bursts run first and not measured (the JIT and the store's first writes). */
  readonly warmBursts: number;
  /** Bursts measured. */
  readonly bursts: number;
  /** Where to write a CPU profile of the local mode's measured bursts, if anywhere. */
  readonly profile: string | null;
  /** Tally the store's commands by collection (`--store-commands`). */
  readonly storeCommands: boolean;
  /** Every burst's closes, warm ones first. */
  readonly closes: readonly (readonly BurstClose[])[];
}

export interface WarmMarket {
  readonly analyzer: MarketAnalyzer;
  /** The analyzer's own engine (the baseline feeds it directly). */
  readonly engine: ConfluenceEngine;
}

export interface WarmedMarkets {
  readonly markets: ReadonlyMap<string, WarmMarket>;
  readonly seconds: number;
}

/** The key of one result: market, timeframe, candle open time. */
export const resultKey = (
  market: { exchange: string; symbol: string },
  timeframe: string,
  time: number,
): string => `${marketId(market)} ${timeframe} ${time}`;

/**
 * One analyzer per market, each with an engine of its own as the worker builds them, warmed as a
 * worker taking a market over warms it (MarketAnalyzer.rebuild from stored candles): `warmup`
 * candles of each timeframe, loaded without scoring them one by one.
 */
export function warmMarkets(plan: ScalePlan, markets: readonly ScaleMarket[] = plan.markets): WarmedMarkets {
  const { config } = plan;
  const start = performance.now();
  const warmed = new Map<string, WarmMarket>();
  for (const market of markets) {
    const engine = createConfluenceEngine({ indicators: config.indicators, weights: config.weights });
    const analyzer = new MarketAnalyzer(market, engine, {
      refreshIntervalMs: config.app.analysis.refreshIntervalMs,
    });
    const candles = warmupCandles(market, plan.source, plan.origin, plan.warmup);
    analyzer.rebuild(candles, { candles: {}, labels: {} }, Date.now());
    warmed.set(marketId(market), { analyzer, engine });
  }
  return { markets: warmed, seconds: (performance.now() - start) / 1000 };
}

export interface BaselineFigures {
  readonly candles: number;
  readonly results: number;
  /** Per measured burst: ms of addCandle + analyze over every close of the burst. */
  readonly burstMs: readonly number[];
  /** Per candle, ms, sorted. */
  readonly latencies: readonly number[];
  /** The results each burst (warm ones first) must give, by key (market, timeframe, candle time). */
  readonly expected: readonly ReadonlySet<string>[];
}

/**
 * The engine alone over the same closes and markets: addCandle + analyze per close, no bus, no
 * store. `markets` may be a subset (a JIT warm-up run); results are what the pipeline must give.
 */
export function engineBaseline(
  plan: ScalePlan,
  markets: readonly ScaleMarket[] = plan.markets,
): BaselineFigures {
  const warmed = warmMarkets(plan, markets).markets;
  const burstMs: number[] = [];
  const latencies: number[] = [];
  const expected: Set<string>[] = [];
  let candles = 0;
  let results = 0;
  for (const [k, closes] of plan.closes.entries()) {
    const keys = new Set<string>();
    const start = performance.now();
    for (const { market, timeframe, candle } of closes) {
      const engine = warmed.get(marketId(market))?.engine;
      if (engine === undefined) continue;
      const before = performance.now();
      const key = { exchange: market.exchange, symbol: market.symbol, timeframe };
      const fed = engine.addCandle(key, candle);
      if (!fed.accepted) throw new Error(`engine refused ${market.symbol} ${timeframe}: ${fed.detail}`);
      if (engine.analyze(key, Date.now()).status === 'ready')
        keys.add(resultKey(market, timeframe, candle.timestamp));
      latencies.push(performance.now() - before);
    }
    expected.push(keys);
    if (k < plan.warmBursts) continue;
    burstMs.push(performance.now() - start);
    candles += closes.length;
    results += keys.size;
  }
  return { candles, results, burstMs, latencies: latencies.sort((a, b) => a - b), expected };
}
