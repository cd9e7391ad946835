import { describe, expect, it } from '@jest/globals';
import { prng } from '@app/testing';
import { INDICATORS_DEFAULTS } from '@app/config';
import { COMPONENT_SUBSCORES } from '@app/contracts';
import type { Candle, DerivativesSnapshot } from '../domain/market-data.types.js';
import { engineIndicators } from '../indicators/engine-indicators.js';
import type { ComponentContext, ComponentReading, SubScore } from './component.types.js';
import { SentimentComponent } from './sentiment.component.js';

const names = engineIndicators(INDICATORS_DEFAULTS).names;
const component = new SentimentComponent();
const MINUTE = 60_000;
const T0 = 1_700_000_000_000;

function context(parts: Partial<ComponentContext>, values: Record<string, number> = {}): ComponentContext {
  return {
    candles: [],
    intervalMs: MINUTE,
    indicators: { get: (name) => values[name] ?? null },
    names,
    otherTimeframes: [],
    ...parts,
  };
}

const evaluate = (parts: Partial<ComponentContext>, values?: Record<string, number>) =>
  component.evaluate(context(parts, values));

function sub(reading: ComponentReading, name: string): SubScore {
  const found = reading.subScores.find((s) => s.name === name);
  if (found === undefined) throw new Error(`no sub-score ${name}: ${JSON.stringify(reading.missing)}`);
  return found;
}

const snapshot = (
  timestamp: number,
  fields: Omit<DerivativesSnapshot, 'timestamp'>,
): DerivativesSnapshot => ({
  timestamp,
  ...fields,
});

/** One derivatives snapshot's reading of one sub-score. */
const derivativesScore = (name: string, fields: Omit<DerivativesSnapshot, 'timestamp'>) =>
  sub(evaluate({ derivatives: [snapshot(T0, fields)] }), name);

/** Candles around 100 with these high − low ranges, one minute apart. */
const ranged = (ranges: readonly number[], close = 100): Candle[] =>
  ranges.map((range, i) => ({
    timestamp: T0 + i * MINUTE,
    open: close,
    high: close + range / 2,
    low: close - range / 2,
    close,
    volume: 1,
  }));

/** Indicator values with the ATR at this value. */
const atr = (value: number) => ({ [names.atr]: value });

const fill = (count: number, range: number) => Array.from({ length: count }, () => range);

describe('SentimentComponent', () => {
  it('is named sentiment', () => {
    expect(component.name).toBe('sentiment');
  });

  it('without derivatives or candles every sub-score is missing with a reason', () => {
    const reading = evaluate({});
    expect(reading.subScores).toEqual([]);
    expect(reading.missing).toEqual({
      fundingRate: 'no derivatives data',
      longShortRatio: 'no derivatives data',
      liquidations: 'no derivatives data',
      volatilityRegime: 'needs 30 candles, has 0',
    });
    expect(reading.oldestInput).toBeNull();
  });

  it('snapshots without a field report that field missing', () => {
    const reading = evaluate({ derivatives: [snapshot(T0, { openInterest: 5 })] });
    expect(reading.missing.fundingRate).toBe('no funding rate');
    expect(reading.missing.longShortRatio).toBe('no long/short ratio');
    expect(reading.missing.liquidations).toBe('no liquidation data');
  });

  describe('fundingRate', () => {
    it('positive funding reads bearish, negative bullish, symmetric about 50', () => {
      const positive = derivativesScore('fundingRate', { fundingRate: 0.0005 });
      const negative = derivativesScore('fundingRate', { fundingRate: -0.0005 });
      expect(positive.score).toBeCloseTo(50 - 50 * Math.tanh(1), 12);
      expect(negative.score).toBeCloseTo(50 + 50 * Math.tanh(1), 12);
      expect(positive.value).toBe(-0.0005);
      expect(derivativesScore('fundingRate', { fundingRate: 0 }).score).toBe(50);
    });

    it('stays strictly inside (0, 100) at extreme funding', () => {
      expect(derivativesScore('fundingRate', { fundingRate: 0.04 }).score).toBeGreaterThan(0);
      expect(derivativesScore('fundingRate', { fundingRate: -0.04 }).score).toBeLessThan(100);
    });
  });

  it('each field comes from the newest snapshot that carries it', () => {
    const reading = evaluate({
      derivatives: [
        snapshot(T0, { fundingRate: 0.001, longShortRatio: 2 }),
        snapshot(T0 + MINUTE, { fundingRate: -0.0002 }),
        snapshot(T0 + 2 * MINUTE, { openInterest: 10 }),
      ],
    });
    expect(sub(reading, 'fundingRate').inputs.fundingRate).toBe(-0.0002);
    expect(sub(reading, 'longShortRatio').inputs.longShortRatio).toBe(2);
    expect(reading.oldestInput).toBe(T0);
  });

  describe('longShortRatio', () => {
    it('a long-crowded ratio reads bearish and its reciprocal bullish by the same amount', () => {
      const crowdedLong = derivativesScore('longShortRatio', { longShortRatio: 2 });
      const crowdedShort = derivativesScore('longShortRatio', { longShortRatio: 0.5 });
      expect(crowdedLong.value).toBeCloseTo(-Math.LN2, 12);
      expect(crowdedLong.score).toBeCloseTo(50 - 50 * Math.tanh(Math.LN2 / 0.5), 12);
      expect(crowdedLong.score + crowdedShort.score).toBeCloseTo(100, 12);
      expect(derivativesScore('longShortRatio', { longShortRatio: 1 }).score).toBe(50);
    });

    it('a ratio that is not positive is missing', () => {
      for (const longShortRatio of [0, -1]) {
        const reading = evaluate({ derivatives: [snapshot(T0, { longShortRatio })] });
        expect(reading.missing.longShortRatio).toBe('long/short ratio is not positive');
      }
    });
  });

  describe('liquidations', () => {
    it('short liquidations read bullish, long liquidations bearish', () => {
      const squeeze = derivativesScore('liquidations', { liquidations: { long: 1, short: 3 } });
      expect(squeeze.value).toBeCloseTo(0.5, 12);
      expect(squeeze.score).toBeCloseTo(50 + 50 * Math.tanh(1), 12);
      expect(derivativesScore('liquidations', { liquidations: { long: 3, short: 1 } }).score).toBeCloseTo(
        50 - 50 * Math.tanh(1),
        12,
      );
    });

    it('no liquidations on either side is missing', () => {
      const reading = evaluate({ derivatives: [snapshot(T0, { liquidations: { long: 0, short: 0 } })] });
      expect(reading.missing.liquidations).toBe('no liquidations');
    });
  });

  describe('volatilityRegime', () => {
    it('volatility expansion reads below 50 and contraction above', () => {
      // Baseline true range 1 % of close; the current ATR is 3 % (expansion 3) or 0.5 % (expansion 0.5).
      const candles = ranged([...fill(46, 1), ...fill(14, 3)]);
      const expanding = sub(evaluate({ candles }, atr(3)), 'volatilityRegime');
      expect(expanding.inputs.baselinePercent).toBeCloseTo(1, 12);
      expect(expanding.inputs.expansion).toBeCloseTo(3, 12);
      expect(expanding.value).toBeCloseTo(-2, 12);
      expect(expanding.score).toBeCloseTo(50 - 50 * Math.tanh(2), 12);
      const contracting = sub(evaluate({ candles }, atr(0.5)), 'volatilityRegime');
      expect(contracting.value).toBeCloseTo(0.5, 12);
      expect(contracting.score).toBeGreaterThan(50);
      expect(sub(evaluate({ candles }, atr(1)), 'volatilityRegime').score).toBeCloseTo(50, 12);
    });

    it('the baseline leaves out the last ATR-period candles', () => {
      const quietTail = sub(
        evaluate({ candles: ranged([...fill(46, 1), ...fill(14, 0)]) }, atr(1)),
        'volatilityRegime',
      );
      expect(quietTail.inputs.baselinePercent).toBeCloseTo(1, 12);
      // With a 20-candle ATR the six candles before the last 14 leave the baseline too.
      const candles = ranged([...fill(40, 1), ...fill(6, 7), ...fill(14, 1)]);
      expect(sub(evaluate({ candles }, atr(1)), 'volatilityRegime').inputs.baselinePercent).toBeCloseTo(
        (40 + 6 * 7) / 46,
        12,
      );
      const longer = new SentimentComponent(20).evaluate(context({ candles }, atr(1)));
      expect(sub(longer, 'volatilityRegime').inputs.baselinePercent).toBeCloseTo(1, 12);
    });

    it('the baseline true range includes gaps through the previous close (Wilder)', () => {
      // Range-less candles alternating 100 / 102: every true range after the first is the 2-point gap.
      const candles = Array.from({ length: 40 }, (_, i) => {
        const close = i % 2 === 0 ? 100 : 102;
        return { timestamp: T0 + i * MINUTE, open: close, high: close, low: close, close, volume: 1 };
      });
      const regime = sub(evaluate({ candles }, atr(2)), 'volatilityRegime');
      const baseline = (13 * (2 / 102) + 12 * (2 / 100)) / 26; // first candle has no gap: 0
      expect(regime.inputs.baselinePercent).toBeCloseTo(baseline * 100, 12);
    });

    it('a flat market reads neutral rather than dividing by zero', () => {
      const candles = ranged(fill(40, 0));
      for (const value of [0, 1]) {
        const regime = sub(evaluate({ candles }, atr(value)), 'volatilityRegime');
        expect(regime.value).toBe(0);
        expect(regime.score).toBe(50);
        expect(regime.inputs.expansion).toBeNull();
      }
    });

    it('needs 30 candles and a warm ATR', () => {
      expect(evaluate({ candles: ranged(fill(29, 1)) }, atr(1)).missing.volatilityRegime).toBe(
        'needs 30 candles, has 29',
      );
      expect(evaluate({ candles: ranged(fill(30, 1)) }).missing.volatilityRegime).toBe('ATR not warm yet');
      expect(evaluate({ candles: ranged(fill(30, 1)) }, atr(1)).missing).not.toHaveProperty(
        'volatilityRegime',
      );
    });

    it('counts as of the last candle close; the stalest source sets the oldest input', () => {
      const candles = ranged(fill(30, 1));
      expect(evaluate({ candles }, atr(1)).oldestInput).toBe(T0 + 30 * MINUTE);
      const funding = [snapshot(T0 + 10 * MINUTE, { fundingRate: 0 })];
      expect(evaluate({ candles, derivatives: funding }, atr(1)).oldestInput).toBe(T0 + 10 * MINUTE);
    });

    it('an extreme expansion stays strictly above 0', () => {
      const regime = sub(evaluate({ candles: ranged(fill(40, 0.01)) }, atr(50)), 'volatilityRegime');
      expect(regime.score).toBeGreaterThan(0);
      expect(regime.score).toBeLessThan(50);
    });
  });

  it('over random inputs every score is finite and inside (0, 100), and crowd readings mirror', () => {
    const random = prng(42);
    for (let run = 0; run < 300; run++) {
      const fundingRate = (random() - 0.5) * 0.02;
      const longShortRatio = Math.exp((random() - 0.5) * 10);
      const liquidations = { long: random() * 1e6, short: random() < 0.2 ? 0 : random() * 1e6 };
      const candles = ranged(Array.from({ length: 30 + Math.floor(random() * 50) }, () => random() * 5));
      const reading = evaluate(
        { candles, derivatives: [snapshot(T0, { fundingRate, longShortRatio, liquidations })] },
        atr(random() * 10),
      );
      const mirrored = evaluate({
        derivatives: [
          snapshot(T0, {
            fundingRate: -fundingRate,
            longShortRatio: 1 / longShortRatio,
            liquidations: { long: liquidations.short, short: liquidations.long },
          }),
        ],
      });
      expect(reading.subScores).toHaveLength(4);
      for (const { name, score, value, inputs } of reading.subScores) {
        expect(COMPONENT_SUBSCORES.sentiment).toContain(name);
        expect(score).toBeGreaterThan(0);
        expect(score).toBeLessThan(100);
        expect(Number.isFinite(value)).toBe(true);
        for (const input of Object.values(inputs))
          expect(input === null || Number.isFinite(input)).toBe(true);
        if (name !== 'volatilityRegime') expect(score + sub(mirrored, name).score).toBeCloseTo(100, 9);
      }
    }
  });
});
