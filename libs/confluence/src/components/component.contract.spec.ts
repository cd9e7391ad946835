/**
 * The one contract every component obeys (names from COMPONENT_SUBSCORES, every sub-score either
 * scored or missing with a reason, scores strictly inside (0, 100), pure). Adding a component to
 * defaultComponents() is all it takes to register it here.
 */
import { describe, expect, it } from '@jest/globals';
import { INDICATORS_DEFAULTS } from '@app/config';
import { COMPONENT_NAMES, COMPONENT_SUBSCORES } from '@app/contracts';
import { loadMarketCandles, MARKET_FILES, prng } from '@app/testing';
import {
  type BookLevel,
  type Candle,
  type DerivativesSnapshot,
  type OrderBookSnapshot,
  type Trade,
  TradeSide,
} from '../domain/market-data.types.js';
import { defaultComponents } from '../engine/create-engine.js';
import { engineIndicators } from '../indicators/engine-indicators.js';
import { IndicatorSet } from '../indicators/indicator-set.js';
import type {
  ComponentContext,
  ComponentReading,
  ConfluenceComponent,
  TimeframeTrend,
} from './component.types.js';

const indicators = engineIndicators(INDICATORS_DEFAULTS);
const names = indicators.names;
const MINUTE = 60_000;
const T0 = 1_700_000_000_000;
const RANDOM_CONTEXTS = 300;
/** Components that read candles (and indicators computed from them) rather than book, tape or derivatives. */
const CANDLE_BASED = new Set(['technical', 'volume', 'priceStructure', 'sentiment']);

const components = defaultComponents(INDICATORS_DEFAULTS);
const byName = components.map((component) => [component.name, component] as const);

/** Freezes the market data so a component that mutates its context throws. */
function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

/** A context over these candles with every engine indicator computed from them for real. */
function contextOver(candles: readonly Candle[], parts: Partial<ComponentContext> = {}): ComponentContext {
  const set = new IndicatorSet(indicators.plan);
  for (const candle of candles) set.add(candle);
  const values = set.snapshot();
  return deepFreeze({
    candles,
    intervalMs: MINUTE,
    indicators: { get: (name: string) => values[name] ?? null },
    names,
    otherTimeframes: [],
    ...parts,
  });
}

/** Valid random candles: positive prices, high ≥ max(open, close) ≥ min(open, close) ≥ low, volume ≥ 0. */
function randomCandles(random: () => number, intervalMs: number): Candle[] {
  const count = random() < 0.2 ? Math.floor(random() * 12) : 30 + Math.floor(random() * 170);
  let price = random() < 0.2 ? 1e-8 * (1 + random() * 9) : 10 ** (random() * 6 - 2);
  const volatility = 10 ** (-4 + random() * 2.5);
  const noVolume = random() < 0.1;
  const flat = random() < 0.05;
  return Array.from({ length: count }, (_, i) => {
    const open = random() < 0.1 ? price * (1 + (random() - 0.5) * volatility * 4) : price;
    const close = flat ? open : open * Math.exp((random() - 0.5) * 2 * volatility);
    price = close;
    const wick = () => (flat || random() < 0.2 ? 0 : random() * volatility);
    const volume = noVolume || random() < 0.1 ? 0 : random() < 0.05 ? random() * 1e6 : random() * 50;
    return {
      timestamp: T0 + i * intervalMs,
      open,
      high: Math.max(open, close) * (1 + wick()),
      low: Math.min(open, close) * (1 - wick()),
      close,
      volume,
    };
  });
}

/** Bids best (highest) first below `mid`, asks best (lowest) first above; sometimes one-sided or empty. */
function randomBook(random: () => number, mid: number, timestamp: number): OrderBookSnapshot {
  const tick = mid * 10 ** (-5 + random() * 3);
  const size = () => (random() < 0.1 ? 0 : random() < 0.1 ? random() * 1e4 : random() * 5);
  const side = (direction: 1 | -1): BookLevel[] => {
    const depth = random() < 0.1 ? 0 : 1 + Math.floor(random() * 30);
    let price = mid + direction * tick * (0.5 + random());
    return Array.from({ length: depth }, () => {
      const level = { price, size: size() };
      price += direction * tick * (1 + Math.floor(random() * 3));
      return level;
    });
  };
  return { timestamp, bids: side(-1).filter((level) => level.price > 0), asks: side(1) };
}

/** Trades oldest first up to `newest`, random sides and sizes (some zero). */
function randomTrades(random: () => number, price: number, newest: number, intervalMs: number): Trade[] {
  const count = Math.floor(random() * 60);
  const span = intervalMs * (1 + random() * 10);
  const times = Array.from({ length: count }, () => newest - random() * span).sort((a, b) => a - b);
  return times.map((timestamp) => ({
    timestamp,
    price: price * (1 + (random() - 0.5) * 0.002),
    size: random() < 0.05 ? 0 : random() < 0.1 ? random() * 100 : random(),
    side: random() < 0.5 ? TradeSide.Buy : TradeSide.Sell,
  }));
}

/** Derivatives snapshots oldest first, each carrying a random subset of the fields. */
function randomDerivatives(random: () => number, newest: number, intervalMs: number): DerivativesSnapshot[] {
  const count = Math.floor(random() * 5);
  return Array.from({ length: count }, (_, i) => ({
    timestamp: newest - (count - 1 - i) * intervalMs,
    ...(random() < 0.7 ? { fundingRate: (random() - 0.5) * 0.01 } : {}),
    ...(random() < 0.7 ? { openInterest: random() < 0.1 ? 0 : random() * 1e6 } : {}),
    ...(random() < 0.7 ? { longShortRatio: random() < 0.05 ? 0 : Math.exp((random() - 0.5) * 6) } : {}),
    ...(random() < 0.7
      ? {
          liquidations: {
            long: random() < 0.3 ? 0 : random() * 1e5,
            short: random() < 0.3 ? 0 : random() * 1e5,
          },
        }
      : {}),
  }));
}

function randomContext(random: () => number): ComponentContext {
  const intervalMs = random() < 0.7 ? MINUTE : 5 * MINUTE;
  const candles = randomCandles(random, intervalMs);
  const last = candles.at(-1);
  const price = last?.close ?? 10 ** (random() * 4);
  const now = (last?.timestamp ?? T0) + intervalMs;
  const otherTimeframes: TimeframeTrend[] = Array.from({ length: Math.floor(random() * 3) }, (_, i) => ({
    timeframe: ['5m', '1h'][i] ?? '1d',
    trend: (random() - 0.5) * 10,
  }));
  return contextOver(candles, {
    intervalMs,
    orderBook: random() < 0.7 ? randomBook(random, price, now) : undefined,
    trades: random() < 0.7 ? randomTrades(random, price, now, intervalMs) : undefined,
    derivatives: random() < 0.7 ? randomDerivatives(random, now, intervalMs) : undefined,
    otherTimeframes,
  });
}

const random = prng(20240617);
const randomContexts = Array.from({ length: RANDOM_CONTEXTS }, () => randomContext(random));
const emptyContext: ComponentContext = deepFreeze({
  candles: [],
  intervalMs: MINUTE,
  indicators: { get: () => null },
  names,
  otherTimeframes: [],
});
const realContext = contextOver(loadMarketCandles(MARKET_FILES.btc1m, 400));

/**
 * What breaks the naming contract: a sub-score the component does not own, one scored twice, one
 * both scored and missing, one neither, or a missing one without a reason.
 */
function namingProblems(component: ConfluenceComponent, reading: ComponentReading): string[] {
  const known: readonly string[] = COMPONENT_SUBSCORES[component.name];
  const scored = reading.subScores.map((s) => s.name);
  const problems: string[] = [];
  if (reading.component !== component.name) problems.push(`reading names component ${reading.component}`);
  for (const name of scored.filter((n, i) => scored.indexOf(n) !== i)) problems.push(`${name} scored twice`);
  for (const name of known) {
    const isScored = scored.includes(name);
    const isMissing = Object.hasOwn(reading.missing, name);
    if (isScored && isMissing) problems.push(`${name} both scored and missing`);
    if (!isScored && !isMissing) problems.push(`${name} neither scored nor missing`);
  }
  for (const name of [...scored, ...Object.keys(reading.missing)])
    if (!known.includes(name)) problems.push(`${name} is not a ${component.name} sub-score`);
  for (const [name, reason] of Object.entries(reading.missing))
    if (!/\S/.test(reason)) problems.push(`${name} missing without a reason`);
  return problems;
}

/** Scores, values and inputs that are not finite, or scores outside the open interval (0, 100). */
function numericProblems(reading: ComponentReading): string[] {
  const problems: string[] = [];
  for (const { name, score, value, inputs } of reading.subScores) {
    if (!(score > 0 && score < 100)) problems.push(`${name}: score ${score}`);
    if (!Number.isFinite(value)) problems.push(`${name}: value ${value}`);
    for (const [input, v] of Object.entries(inputs))
      if (v !== null && !Number.isFinite(v)) problems.push(`${name}: input ${input} ${v}`);
  }
  const oldest = reading.oldestInput;
  if (oldest !== null && !Number.isFinite(oldest)) problems.push(`oldestInput ${oldest}`);
  return problems;
}

describe('component contract', () => {
  it('registers one component per name in COMPONENT_SUBSCORES', () => {
    expect(components.map((c) => c.name).sort()).toEqual([...COMPONENT_NAMES].sort());
  });

  it('generates valid random candles, tiny prices and zero volumes included', () => {
    const candles = randomContexts.flatMap((context) => context.candles);
    const invalid = candles.filter(
      (c) =>
        !(
          c.low > 0 &&
          c.high >= Math.max(c.open, c.close) &&
          Math.min(c.open, c.close) >= c.low &&
          c.volume >= 0
        ),
    );
    expect(invalid).toEqual([]);
    expect(candles.some((c) => c.close < 1e-7)).toBe(true);
    expect(candles.some((c) => c.volume === 0)).toBe(true);
  });

  describe.each(byName)('%s', (name, component) => {
    it('without any data scores nothing and says why for every sub-score', () => {
      const reading = component.evaluate(emptyContext);
      expect(reading.subScores).toEqual([]);
      expect(Object.keys(reading.missing).length).toBeGreaterThan(0);
      expect(namingProblems(component, reading)).toEqual([]);
      expect(reading.oldestInput).toBeNull();
    });

    it('emits only its own sub-score names, each at most once, and accounts for every one', () => {
      const problems = [...randomContexts, realContext].flatMap((context, i) =>
        namingProblems(component, component.evaluate(context)).map((p) => `context ${i}: ${p}`),
      );
      expect(problems).toEqual([]);
    });

    it(`over ${RANDOM_CONTEXTS} random contexts every score is finite and strictly inside (0, 100)`, () => {
      const readings = randomContexts.map((context) => component.evaluate(context));
      const problems = readings.flatMap((reading, i) =>
        numericProblems(reading).map((p) => `context ${i}: ${p}`),
      );
      expect(problems).toEqual([]);
      // The generator must reach every sub-score, not just the missing-data paths.
      const scored = new Set(readings.flatMap((reading) => reading.subScores.map((s) => s.name)));
      expect([...scored].sort()).toEqual([...COMPONENT_SUBSCORES[name]].sort());
    });

    it('is a pure function of its context', () => {
      for (const context of [...randomContexts.slice(0, 50), realContext, emptyContext]) {
        expect(component.evaluate(context)).toEqual(component.evaluate(context));
      }
    });

    if (CANDLE_BASED.has(name)) {
      it('scores real BTC candles, as of the last candle close', () => {
        const reading = component.evaluate(realContext);
        expect(reading.subScores.length).toBeGreaterThan(0);
        for (const { score } of reading.subScores) {
          expect(score).toBeGreaterThan(0);
          expect(score).toBeLessThan(100);
        }
        expect(reading.oldestInput).toBe(realContext.candles.at(-1)!.timestamp + MINUTE);
      });
    }
  });
});
