import { describe, expect, it } from '@jest/globals';
import { prng } from '@app/testing';
import { type ConfigShape, WEIGHTS_DEFAULTS, type WeightsConfig } from '@app/config';
import { COMPONENT_NAMES, COMPONENT_SUBSCORES, type ComponentName, Signal } from '@app/contracts';
import type { ComponentReading } from '../components/component.types.js';
import { WeightManager } from '../weights/weight-manager.js';
import { labelFor, ScoreCalculator } from './score-calculator.js';

const weights = new WeightManager(WEIGHTS_DEFAULTS).forSymbol('BTC/USDT');
const calculator = new ScoreCalculator();

function reading(
  component: ComponentName,
  scores: Readonly<Record<string, number>>,
  oldestInput = 1000,
): ComponentReading {
  return {
    component,
    subScores: Object.entries(scores).map(([name, score]) => ({ name, score, value: 0, inputs: {} })),
    missing: {},
    oldestInput,
  };
}

function uniform(component: ComponentName, score: number, oldestInput = 1000): ComponentReading {
  return reading(
    component,
    Object.fromEntries(COMPONENT_SUBSCORES[component].map((s) => [s, score])),
    oldestInput,
  );
}

const score = (readings: ComponentReading[], now = 1000) =>
  calculator.scoreTimeframe({ timeframe: '1m', candleTime: 0, readings, weights, now });

describe('ScoreCalculator.scoreTimeframe', () => {
  it('weighs components by their configured weights when all have data', () => {
    const readings = COMPONENT_NAMES.map((c) => uniform(c, c === 'orderFlow' ? 100 : 50));
    const result = score(readings)!;
    expect(result.score).toBeCloseTo(50 + 0.3 * 50, 10);
    expect(result.coverage).toBeCloseTo(1, 12);
    expect(result.label).toBe(Signal.Long);
  });

  it('renormalises over the components present and reports the coverage lost', () => {
    const result = score([uniform('volume', 80), uniform('technical', 20)])!;
    // volume .18 and technical .10 → .18/.28 and .10/.28.
    expect(result.score).toBeCloseTo((0.18 * 80 + 0.1 * 20) / 0.28, 10);
    expect(result.coverage).toBeCloseTo(0.28, 12);
    const volume = result.components.find((c) => c.component === 'volume')!;
    expect(volume.effectiveWeight).toBeCloseTo(0.18 / 0.28, 12);
    const book = result.components.find((c) => c.component === 'orderBook')!;
    expect(book).toMatchObject({ available: false, score: null, effectiveWeight: 0 });
  });

  it('renormalises sub-scores inside a component and counts their missing weight against coverage', () => {
    const result = score([reading('technical', { rsi: 90, macd: 10 })])!;
    const technical = result.components.find((c) => c.component === 'technical')!;
    const { rsi, macd } = weights.subscores.technical as { rsi: number; macd: number };
    expect(technical.score).toBeCloseTo((rsi * 90 + macd * 10) / (rsi + macd), 10);
    expect(technical.subScores.map((s) => s.effectiveWeight)).toEqual([
      rsi / (rsi + macd),
      macd / (rsi + macd),
    ]);
    expect(technical.coverage).toBeCloseTo(rsi + macd, 12);
    expect(result.coverage).toBeCloseTo(0.1 * (rsi + macd), 12);
  });

  it('is null when no component had data, never a made-up 50', () => {
    expect(score([])).toBeNull();
    expect(score([reading('volume', {})])).toBeNull();
  });

  it('labels by the configured thresholds, inclusive at the bounds', () => {
    expect(labelFor(60, { short: 40, long: 60 })).toBe(Signal.Long);
    expect(labelFor(59.999, { short: 40, long: 60 })).toBe(Signal.Neutral);
    expect(labelFor(40, { short: 40, long: 60 })).toBe(Signal.Short);
  });

  it('reports confidence as coverage × agreeing weight, and staleness as the oldest input age', () => {
    const result = score(
      [uniform('volume', 80), uniform('technical', 70), uniform('priceStructure', 30, 400)],
      1000,
    )!;
    const agreeing = (0.18 + 0.1) / 0.43;
    expect(result.confidence).toBeCloseTo(100 * 0.43 * agreeing, 8);
    expect(result.staleness).toBe(600);
  });

  it('stays within 0–100 and finite for random readings (property)', () => {
    const random = prng(7);
    for (let i = 0; i < 500; i++) {
      const readings = COMPONENT_NAMES.filter(() => random() > 0.3).map((c) =>
        reading(
          c,
          Object.fromEntries(
            COMPONENT_SUBSCORES[c].filter(() => random() > 0.2).map((s) => [s, random() * 100]),
          ),
        ),
      );
      const result = score(readings);
      if (result === null) continue;
      for (const value of [result.score, result.confidence, result.coverage * 100]) {
        expect(Number.isFinite(value)).toBe(true);
        expect(value).toBeGreaterThanOrEqual(0);
        expect(value).toBeLessThanOrEqual(100);
      }
    }
  });

  it('does not depend on the order of readings or of weights in the config (property)', () => {
    const random = prng(11);
    const readings = COMPONENT_NAMES.map((c) => uniform(c, random() * 100));
    const shuffledConfig: ConfigShape<WeightsConfig> = {
      ...WEIGHTS_DEFAULTS,
      components: Object.fromEntries(
        Object.entries(WEIGHTS_DEFAULTS.components).reverse(),
      ) as ConfigShape<WeightsConfig>['components'],
    };
    const shuffled = new WeightManager(shuffledConfig).forSymbol('BTC/USDT');
    const a = score(readings)!;
    const b = calculator.scoreTimeframe({
      timeframe: '1m',
      candleTime: 0,
      readings: [...readings].reverse(),
      weights: shuffled,
      now: 1000,
    })!;
    expect(b.score).toBe(a.score);
    expect(b.confidence).toBe(a.confidence);
  });
});

describe('ScoreCalculator.combine', () => {
  const tf = (timeframe: '1m' | '5m' | '1h', value: number, staleness = 0) => ({
    ...score([uniform('volume', value)])!,
    timeframe,
    staleness,
  });

  it('weighs timeframes by the configured multi-timeframe weights', () => {
    const combined = calculator.combine([tf('1m', 80), tf('5m', 40, 120_000)], weights)!;
    expect(combined.score).toBeCloseTo(0.4 * 80 + 0.6 * 40, 10);
    expect(combined.staleness).toBe(120_000);
    expect(combined.timeframeWeights).toEqual({ '1m': 0.4, '5m': 0.6 });
  });

  it('renormalises over the timeframes scored, with coverage counting the missing one as empty', () => {
    const combined = calculator.combine([tf('1m', 80)], weights)!;
    expect(combined.score).toBeCloseTo(80, 10);
    expect(combined.coverage).toBeCloseTo(0.4 * 0.18, 12);
  });

  it('counts unconfigured timeframes equally when none of the scored ones is weighted', () => {
    const combined = calculator.combine([tf('1h', 70)], weights)!;
    expect(combined.score).toBeCloseTo(70, 10);
    expect(combined.timeframeWeights).toEqual({ '1h': 1 });
  });

  it('is null with nothing to combine', () => {
    expect(calculator.combine([], weights)).toBeNull();
  });
});
