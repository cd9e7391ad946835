/**
 * The stateful pieces under the engine snapshot, one at a time: saved, sent through JSON and
 * loaded into a fresh instance, each goes on exactly as the original; what does not fit is refused.
 */
import { describe, expect, it } from '@jest/globals';
import { loadMarketCandles, MARKET_FILES, prng, seriesFactory } from '@app/testing';
import { CandleChain } from '../hashing/candle-chain.js';
import { IndicatorPlan, IndicatorSet } from '../indicators/indicator-set.js';
import { RollingWindow } from '../indicators/shared/rolling-window.js';
import { SessionVwap } from '../indicators/session-vwap/session-vwap.indicator.js';
import { SnapshotError, toPortable } from './state-codec.js';

const btc = loadMarketCandles(MARKET_FILES.btc1m, 600);
const DAY = 86_400_000;

/** What a worker receives: the saved state after JSON.stringify → JSON.parse. */
const overTheWire = (state: unknown): unknown => JSON.parse(JSON.stringify(toPortable(state)));

describe('toPortable', () => {
  it('carries NaN, ±Infinity and −0 through JSON, and every finite double exactly', () => {
    const values = [Number.NaN, Infinity, -Infinity, -0, 0, 0.1 + 0.2, 5e-324, -Number.MAX_VALUE, 1 / 3];
    const wire = overTheWire({ values, nested: [{ x: -0 }] }) as { values: unknown[]; nested: unknown[] };
    expect(wire.values.slice(0, 4)).toEqual(['NaN', 'Infinity', '-Infinity', '-0']);
    expect(wire.values.slice(4)).toEqual(values.slice(4));
    expect(wire.nested).toEqual([{ x: '-0' }]);
  });
});

describe('RollingWindow state', () => {
  it.each([0, 3, 5, 6, 13])(
    'after %i pushes, a loaded copy scans and pushes as the original does',
    (pushes) => {
      const random = prng(pushes + 1);
      const window = new RollingWindow(5);
      for (let i = 0; i < pushes; i++) window.push(random() * 1e6);
      const copy = new RollingWindow(5);
      copy.load(overTheWire(window.save()), 'window');
      for (let i = 0; i < 12; i++) {
        const value = i === 3 ? -0 : random() * 1e6;
        expect(copy.push(value)).toBe(window.push(value));
        const scans = (w: RollingWindow) => [w.sum(), w.max(), w.min(), w.meanDeviation(3), w.at(0), w.count];
        expect(scans(copy)).toEqual(scans(window));
      }
    },
  );

  it('keeps −0 and NaN in the window', () => {
    const window = new RollingWindow(3);
    window.push(-0);
    window.push(Number.NaN);
    const copy = new RollingWindow(3);
    copy.load(overTheWire(window.save()), 'window');
    expect(Object.is(copy.at(1), -0)).toBe(true);
    expect(copy.at(0)).toBeNaN();
  });

  it.each([
    [{ values: [1, 2, 3, 4], next: 0 }, /window\.values: holds 4 values, window is 3/],
    [{ values: [1, 2], next: 0 }, /window\.next: 0 is not a slot to write/],
    [{ values: [1, 2, 3], next: 3 }, /window\.next: 3 is not a slot to write/],
    [{ values: [1, 'x'], next: 2 }, /window\.values\[1\]: expected a number/],
    [{ values: [1] }, /window\.next: expected a whole number/],
    [{ values: [1], next: 1, extra: true }, /window\.extra: unexpected field/],
  ])('refuses %j', (state, message) => {
    expect(() => {
      new RollingWindow(3).load(state, 'window');
    }).toThrow(message);
  });
});

describe('CandleChain state', () => {
  it('a loaded chain fingerprints the following candles as the original does', () => {
    const chain = new CandleChain();
    for (const candle of btc.slice(0, 100)) chain.add(candle);
    const copy = new CandleChain();
    copy.load(overTheWire(chain.save()), 'chain');
    expect(copy.hex()).toBe(chain.hex());
    for (const candle of btc.slice(100, 110)) {
      chain.add(candle);
      copy.add(candle);
    }
    expect(copy.hex()).toBe(chain.hex());
    expect(copy.hex()).not.toBe(new CandleChain().hex());
  });

  it.each([
    [{ lanes: [1, 2, 3], count: 4 }, /chain\.lanes: expected 4 items, got 3/],
    [{ lanes: [1, 2, 3, 2 ** 32], count: 4 }, /chain\.lanes: lanes are 32-bit/],
    [{ lanes: [1, 2, 3, 4], count: -1 }, /chain\.count: expected a whole number/],
  ])('refuses %j', (state, message) => {
    expect(() => {
      new CandleChain().load(state, 'chain');
    }).toThrow(message);
  });
});

describe('SessionVwap state', () => {
  it('restored before 00:00 UTC, it resets at midnight exactly as the unbroken one', () => {
    const midnight = Math.ceil(btc[0]!.timestamp / DAY) * DAY + DAY;
    const candles = seriesFactory.randomWalk({
      count: 40,
      seed: 7,
      start: 30_000,
      startTime: midnight - 20 * 60_000,
    });
    const vwap = new SessionVwap();
    for (const candle of candles.slice(0, 15)) vwap.add(candle);
    const copy = new SessionVwap();
    copy.load(overTheWire(vwap.save()), 'vwap');
    const rest = candles.slice(15);
    const values = rest.map((c) => vwap.add(c));
    expect(rest.map((c) => copy.add(c))).toEqual(values);
    const first = rest.findIndex((c) => c.timestamp === midnight);
    const open = rest[first]!;
    // The first candle of the day is its own session: its typical price.
    expect(values[first]).toBeCloseTo((open.high + open.low + open.close) / 3, 9);
    expect(values[first - 1]).not.toBeCloseTo(values[first]!, 6);
  });
});

describe('IndicatorSet state', () => {
  const plan = new IndicatorPlan([
    { kind: 'RSI', period: 14 },
    { kind: 'MACD', fast: 12, slow: 26, signal: 9 },
  ]);

  it('loads counts, values and every indicator, then streams the same values', () => {
    const set = new IndicatorSet(plan);
    for (const candle of btc.slice(0, 30)) set.add(candle);
    const copy = new IndicatorSet(plan);
    copy.load(overTheWire(set.save()), 'set');
    expect(copy.snapshot()).toEqual(set.snapshot());
    expect(copy.candleCount).toBe(30);
    for (const candle of btc.slice(30, 90)) {
      set.add(candle);
      copy.add(candle);
      expect(copy.snapshot()).toEqual(set.snapshot());
    }
  });

  it('refuses values or indicators of another plan', () => {
    const set = new IndicatorSet(plan);
    const saved = set.save();
    const other = new IndicatorSet(new IndicatorPlan([{ kind: 'RSI', period: 14 }]));
    expect(() => {
      other.load(overTheWire(saved), 'set');
    }).toThrow(SnapshotError);
    expect(() => {
      other.load(overTheWire(saved), 'set');
    }).toThrow(/set\.values: expected 1 items, got 4/);
  });
});
