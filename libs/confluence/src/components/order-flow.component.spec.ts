import { describe, expect, it } from '@jest/globals';
import { derivativesFactory, prng, seriesFactory, tradeFactory } from '@app/testing';
import { INDICATORS_DEFAULTS } from '@app/config';
import { COMPONENT_SUBSCORES } from '@app/contracts';
import type { Candle, Trade, TradeSide } from '../domain/market-data.types.js';
import { engineIndicators } from '../indicators/engine-indicators.js';
import type { ComponentContext, ComponentReading, SubScore } from './component.types.js';
import { flowWindowMs, OrderFlowComponent } from './order-flow.component.js';

const names = engineIndicators(INDICATORS_DEFAULTS).names;
const component = new OrderFlowComponent();
const MINUTE = 60_000;
const T0 = 1_700_000_000_000;

/** One-minute candles from T0 with these closes, each a doji at its close (no wicks). */
const minuteCandles = (...closes: number[]) =>
  seriesFactory.fromCloses(closes, { startTime: T0, opens: 'close', volume: 1 });

const repeat = (count: number, side: TradeSide, size: number) =>
  Array.from({ length: count }, () => [side, size] as const);

function context(parts: Partial<ComponentContext>): ComponentContext {
  return {
    candles: minuteCandles(100, 100, 100),
    intervalMs: MINUTE,
    indicators: { get: () => null },
    names,
    otherTimeframes: [],
    ...parts,
  };
}

const evaluate = (parts: Partial<ComponentContext>) => component.evaluate(context(parts));

function sub(reading: ComponentReading, name: string): SubScore {
  const found = reading.subScores.find((s) => s.name === name);
  if (found === undefined) throw new Error(`no sub-score ${name}: ${JSON.stringify(reading.missing)}`);
  return found;
}

const oi = derivativesFactory.openInterest;

const flip = (trades: readonly Trade[]) =>
  trades.map((t) => ({ ...t, side: t.side === 'buy' ? ('sell' as const) : ('buy' as const) }));

describe('OrderFlowComponent', () => {
  const end = T0 + 2 * MINUTE + 30_000;

  it('is named orderFlow', () => {
    expect(component.name).toBe('orderFlow');
  });

  it('without trades or derivatives every sub-score is missing with a reason', () => {
    const reading = evaluate({});
    expect(reading.subScores).toEqual([]);
    expect(reading.missing).toEqual({
      cumulativeVolumeDelta: 'no trades',
      tradeImbalance: 'no trades',
      largeTradePressure: 'no trades',
      openInterestChange: 'needs two open-interest snapshots',
    });
    expect(reading.oldestInput).toBeNull();
    expect(evaluate({ trades: [] }).missing.tradeImbalance).toBe('no trades');
  });

  it('the window is five candle durations: the interval, else the candle spacing, else one minute', () => {
    expect(flowWindowMs(MINUTE, [])).toBe(5 * MINUTE);
    expect(flowWindowMs(15 * MINUTE, minuteCandles(1, 2))).toBe(75 * MINUTE);
    const quarterHours = seriesFactory.flat({
      count: 2,
      price: 1,
      volume: 1,
      startTime: 0,
      timeframe: '15m',
    });
    expect(flowWindowMs(0, quarterHours)).toBe(75 * MINUTE);
    expect(flowWindowMs(0, quarterHours.slice(0, 1))).toBe(5 * MINUTE);
    expect(flowWindowMs(Number.NaN, [])).toBe(5 * MINUTE);
  });

  it('trades older than the window are left out', () => {
    // A large sell six minutes before the newest trade is outside the five-minute window.
    const trades = [
      tradeFactory.build({ timestamp: end - 6 * MINUTE, side: 'sell', size: 100 }),
      tradeFactory.build({ timestamp: end - MINUTE, side: 'buy', size: 1 }),
      tradeFactory.build({ timestamp: end, side: 'buy', size: 1 }),
    ];
    const reading = evaluate({ trades });
    expect(sub(reading, 'cumulativeVolumeDelta').inputs).toEqual({
      buyVolume: 2,
      sellVolume: 0,
      windowMs: 300_000,
    });
    // On 15-minute candles the window is 75 minutes and the sell is in it.
    const slow = evaluate({ trades, intervalMs: 15 * MINUTE });
    expect(sub(slow, 'cumulativeVolumeDelta').score).toBeLessThan(50);
  });

  it('the window is (newest − windowMs, newest]: a trade exactly five minutes old has left it', () => {
    const at = (age: number) =>
      evaluate({
        trades: [
          tradeFactory.build({ timestamp: end - age, side: 'sell', size: 1 }),
          tradeFactory.build({ timestamp: end, side: 'buy', size: 1 }),
        ],
      });
    expect(sub(at(5 * MINUTE), 'tradeImbalance').value).toBe(1);
    expect(sub(at(5 * MINUTE - 1), 'tradeImbalance').value).toBe(0);
  });

  it('cumulative volume delta and trade imbalance follow their formulas', () => {
    const reading = evaluate({
      trades: tradeFactory.tape(
        [
          ['buy', 1],
          ['buy', 2],
          ['sell', 1],
          ['sell', 0.5],
          ['sell', 0.5],
        ],
        { end },
      ),
    });
    const cvd = sub(reading, 'cumulativeVolumeDelta');
    expect(cvd.value).toBeCloseTo(1 / 5, 12); // (3 − 2) / 5
    expect(cvd.score).toBeCloseTo(50 + 50 * Math.tanh(0.4), 12);
    const count = sub(reading, 'tradeImbalance');
    expect(count.value).toBeCloseTo(-1 / 5, 12); // (2 − 3) / 5
    expect(count.inputs).toEqual({ buyTrades: 2, sellTrades: 3 });
    expect(count.score).toBeLessThan(50);
  });

  it('large trades dominate largeTradePressure', () => {
    // 18 small buys and 2 large sells: volume and count lean buy, the top decile is all sell.
    const trades = tradeFactory.tape(
      [...repeat(9, 'buy', 1), ['sell', 5], ...repeat(9, 'buy', 1), ['sell', 5]],
      { end },
    );
    const reading = evaluate({ trades });
    expect(sub(reading, 'cumulativeVolumeDelta').score).toBeGreaterThan(50);
    expect(sub(reading, 'tradeImbalance').score).toBeGreaterThan(50);
    const large = sub(reading, 'largeTradePressure');
    expect(large.inputs.sizeThreshold).toBeCloseTo(1.4, 12); // type-7 90th percentile of 18×1, 2×5
    expect(large.inputs.largeTrades).toBe(2);
    expect(large.value).toBe(-1);
    expect(large.score).toBeCloseTo(50 - 50 * Math.tanh(2), 12);
  });

  it('largeTradePressure needs ten trades in the window', () => {
    const nine = evaluate({ trades: tradeFactory.tape(repeat(9, 'buy', 1), { end }) });
    expect(nine.missing.largeTradePressure).toBe('needs 10 trades in window, has 9');
    expect(sub(nine, 'cumulativeVolumeDelta').score).toBeGreaterThan(50);
    expect(evaluate({ trades: tradeFactory.tape(repeat(10, 'buy', 1), { end }) }).missing).not.toHaveProperty(
      'largeTradePressure',
    );
  });

  it('one trade, or trades of zero size, give finite readings', () => {
    const one = evaluate({ trades: [tradeFactory.build({ timestamp: end, side: 'sell', size: 2 })] });
    expect(sub(one, 'cumulativeVolumeDelta').value).toBe(-1);
    expect(sub(one, 'tradeImbalance').value).toBe(-1);
    const zero = evaluate({ trades: tradeFactory.tape(repeat(12, 'buy', 0), { end }) });
    expect(sub(zero, 'cumulativeVolumeDelta').score).toBe(50);
    expect(sub(zero, 'largeTradePressure').score).toBe(50);
    expect(sub(zero, 'tradeImbalance').score).toBeGreaterThan(50);
  });

  describe('openInterestChange', () => {
    const rising = minuteCandles(100, 101, 102);
    const falling = minuteCandles(102, 101, 100);
    const derivatives = (first: number, last: number) => [oi(T0, first), oi(T0 + 2 * MINUTE, last)];
    const score = (candles: Candle[], first: number, last: number) =>
      sub(evaluate({ candles, derivatives: derivatives(first, last) }), 'openInterestChange').score;

    it('rising OI with rising price is bullish', () => {
      expect(score(rising, 1000, 1010)).toBeCloseTo(50 + 50 * Math.tanh(0.01 / 0.02), 12);
    });

    it('rising OI with falling price is bearish', () => {
      expect(score(falling, 1000, 1010)).toBeCloseTo(50 - 50 * Math.tanh(0.5), 12);
    });

    it('falling OI weakens the move: bearish in a rally, bullish in a decline', () => {
      expect(score(rising, 1000, 990)).toBeLessThan(50);
      expect(score(falling, 1000, 990)).toBeGreaterThan(50);
    });

    it('is neutral when price has not moved', () => {
      expect(score(minuteCandles(100, 105, 100), 1000, 1100)).toBe(50);
    });

    it('measures price from the candle at or before the first snapshot', () => {
      // Price is up since the first candle but down since the first snapshot (the 104 close).
      const candles = minuteCandles(100, 104, 102);
      const reading = evaluate({
        candles,
        derivatives: [oi(T0 + MINUTE + 1, 1000), oi(T0 + 2 * MINUTE, 1010)],
      });
      const change = sub(reading, 'openInterestChange');
      expect(change.inputs.referenceClose).toBe(104);
      expect(change.score).toBeLessThan(50);
      // As of the newest snapshot (T0 + 2 min), which is older than the last candle's close (T0 + 3 min).
      expect(reading.oldestInput).toBe(T0 + 2 * MINUTE);
    });

    it('needs two snapshots that carry open interest', () => {
      const sparse = [oi(T0, 1000), { timestamp: T0 + MINUTE, fundingRate: 0.0001 }];
      expect(evaluate({ candles: rising, derivatives: sparse }).missing.openInterestChange).toBe(
        'needs two open-interest snapshots',
      );
      expect(evaluate({ candles: [], derivatives: derivatives(1, 2) }).missing.openInterestChange).toBe(
        'no candles for the price direction',
      );
    });

    it('stays strictly inside (0, 100) for extreme changes and zero open interest', () => {
      expect(score(rising, 1, 1e9)).toBeLessThan(100);
      expect(score(falling, 1, 1e9)).toBeGreaterThan(0);
      expect(score(rising, 0, 10)).toBe(50);
      expect(score(rising, 1e9, 0)).toBeGreaterThan(0);
    });
  });

  it('oldest input is the stalest source: newest trade, newest OI snapshot, last candle close', () => {
    const trades = [
      tradeFactory.build({ timestamp: end - MINUTE, side: 'buy', size: 1 }),
      tradeFactory.build({ timestamp: end, side: 'buy', size: 1 }),
    ];
    expect(evaluate({ trades }).oldestInput).toBe(end);
    const stale = evaluate({ trades, derivatives: [oi(T0, 10), oi(T0 + MINUTE, 11)] });
    expect(stale.oldestInput).toBe(T0 + MINUTE);
    const fresh = evaluate({ trades, derivatives: [oi(T0, 10), oi(end + MINUTE, 11)] });
    expect(fresh.oldestInput).toBe(end); // the last candle closes at T0 + 3 min, after the newest trade
  });

  it('over random tapes every score is finite, inside (0, 100) and mirror-symmetric', () => {
    const random = prng(7);
    for (let run = 0; run < 300; run++) {
      const count = 1 + Math.floor(random() * 60);
      let timestamp = T0;
      const trades = Array.from({ length: count }, () => {
        timestamp += Math.floor(random() * 20_000);
        const size = random() < 0.1 ? random() * 1000 : random();
        return tradeFactory.build({ timestamp, side: random() < 0.5 ? 'buy' : 'sell', size });
      });
      const derivatives = [oi(T0, random() * 1e6), oi(T0 + MINUTE, random() * 1e6)];
      const candles = minuteCandles(100, 100 + (random() - 0.5) * 10);
      const reading = evaluate({ trades, derivatives, candles });
      const mirrored = evaluate({ trades: flip(trades), derivatives, candles });
      expect(reading.subScores.length).toBeGreaterThanOrEqual(3);
      for (const { name, score, value, inputs } of reading.subScores) {
        expect(COMPONENT_SUBSCORES.orderFlow).toContain(name);
        expect(score).toBeGreaterThan(0);
        expect(score).toBeLessThan(100);
        expect(Number.isFinite(value)).toBe(true);
        for (const input of Object.values(inputs)) expect(Number.isFinite(input)).toBe(true);
        if (name !== 'openInterestChange') expect(score + sub(mirrored, name).score).toBeCloseTo(100, 9);
      }
    }
  });
});
