/**
 * Issue #18: a worker that takes a market over restores the engine's snapshot of it and goes on
 * with results identical to an unbroken run. Property test: over real and seeded random markets
 * (1m and 5m candles, books, trades, derivatives interleaved), engine A plays N events, its
 * snapshot goes through JSON into a new engine B, and from then on every answer of B equals A's.
 */
import { describe, expect, it } from '@jest/globals';
import { type ConfluenceConfig, loadConfig } from '@app/config';
import {
  loadMarketCandles,
  MARKET_FILES,
  marketScript,
  playEvent,
  PROJECT_CONFIG_DIR,
  prng,
  type ScriptEvent,
  seriesFactory,
} from '@app/testing';
import type { Candle, MarketId } from '../domain/market-data.types.js';
import { engineIndicators } from '../indicators/engine-indicators.js';
import { toPortable } from '../snapshot/state-codec.js';
import type { ConfluenceEngine } from './confluence-engine.js';
import type { ConfluenceResult } from './confluence-result.types.js';
import { createConfluenceEngine } from './create-engine.js';

const config: ConfluenceConfig = loadConfig({ env: { NODE_ENV: 'test', CONFIG_DIR: PROJECT_CONFIG_DIR } });
const WARM_UP = engineIndicators(config.indicators).plan.warmUp;
const MARKET: MarketId = { exchange: 'binance', symbol: 'BTC/USDT' };
/** Events each restored engine plays after its snapshot. */
const FOLLOW = 450;

const newEngine = (): ConfluenceEngine => createConfluenceEngine(config);
/** JSON that keeps −0, NaN and ±Infinity apart from 0 and null. */
const exactJson = (value: unknown): string => JSON.stringify(toPortable(value));
/** A snapshot as another process receives it. */
const overTheWire = (engine: ConfluenceEngine): unknown =>
  JSON.parse(JSON.stringify(engine.snapshot(MARKET)));

/** Index of the event right after the `count`-th 1m candle. */
function afterCandles(events: readonly ScriptEvent[], count: number): number {
  let seen = 0;
  const index = events.findIndex((e) => e.kind === 'candle' && e.timeframe === '1m' && ++seen === count);
  return index + 1;
}

interface Replica {
  readonly engine: ConfluenceEngine;
  readonly from: number;
}

/**
 * Plays `events` on A; at each split, restores A's snapshot into a new engine that from then on
 * plays the same events. Returns A's ready results (to show the run was meaningful).
 */
function playWithReplicas(events: readonly ScriptEvent[], splits: readonly number[]): ConfluenceResult[] {
  const a = newEngine();
  const replicas: Replica[] = [];
  const results: ConfluenceResult[] = [];
  events.forEach((event, i) => {
    if (splits.includes(i)) {
      const snapshot = overTheWire(a);
      const b = newEngine();
      expect(b.restore(snapshot)).toEqual({ restored: true });
      expect(JSON.parse(JSON.stringify(b.snapshot(MARKET)))).toEqual(snapshot);
      replicas.push({ engine: b, from: i });
    }
    const expected = playEvent(a, MARKET, event);
    for (const { engine, from } of replicas) {
      if (i >= from + FOLLOW) continue;
      const answers = playEvent(engine, MARKET, event);
      // Compared as exact JSON first (fast); a difference is shown as a diff.
      if (exactJson(answers) !== exactJson(expected))
        expect({ event: i, answers }).toEqual({ event: i, answers: expected });
    }
    const outcome = expected[1] as ReturnType<ConfluenceEngine['analyze']> | undefined;
    if (outcome?.status === 'ready') results.push(outcome.result);
  });
  for (const { engine, from } of replicas) {
    if (from + FOLLOW >= events.length)
      expect(JSON.stringify(engine.snapshot(MARKET))).toBe(JSON.stringify(a.snapshot(MARKET)));
  }
  return results;
}

/** A multiplicative random walk of 1m candles with its own volatility and volume, from `seed`. */
function randomMarket(seed: number, count: number): Candle[] {
  const random = prng(seed);
  return seriesFactory.randomWalk({
    count,
    seed,
    start: 10 ** (random() * 6 - 3),
    volatility: 10 ** (-4 + random() * 2),
    ...(random() < 0.3 ? { volume: (i: number) => (i % 7 === 0 ? 0 : 1 + (i % 5)) } : {}),
  });
}

describe('ConfluenceEngine snapshot → restore: results identical to an unbroken run', () => {
  it('on real BTC/USDT candles, split mid-warm-up, at warm-up, with 5m warm and after trades are trimmed', () => {
    const events = marketScript(loadMarketCandles(MARKET_FILES.btc1m, 800), 18);
    const splits = [WARM_UP - 7, WARM_UP, 5 * WARM_UP + 3, 650].map((n) => afterCandles(events, n));
    const results = playWithReplicas(events, splits);
    const last = results.at(-1);
    // Meaningful: both timeframes and every component took part.
    expect(last?.timeframes.map((t) => t.timeframe).sort()).toEqual(['1m', '5m']);
    expect(last?.timeframes[0]?.components.every((c) => c.available)).toBe(true);
  });

  it.each([1, 2, 3])(
    'on seeded random market %i, split at seeded random events (between any two inputs)',
    (seed) => {
      const events = marketScript(randomMarket(seed, 320), 100 + seed);
      const random = prng(seed * 7919);
      const splits = [1, 2, 3].map(() => Math.floor(random() * events.length));
      const results = playWithReplicas(events, splits);
      expect(results.length).toBeGreaterThan(100);
    },
  );
});
