import { describe, expect, it } from '@jest/globals';
import { prng } from '@app/testing';
import { INDICATORS_DEFAULTS } from '@app/config';
import { COMPONENT_SUBSCORES } from '@app/contracts';
import type { OrderBookSnapshot } from '../domain/market-data.types.js';
import { engineIndicators } from '../indicators/engine-indicators.js';
import type { ComponentContext, ComponentReading, SubScore } from './component.types.js';
import { OrderBookComponent } from './order-book.component.js';

const names = engineIndicators(INDICATORS_DEFAULTS).names;
const component = new OrderBookComponent();
const SUBSCORES = COMPONENT_SUBSCORES.orderBook;

function context(orderBook: OrderBookSnapshot | undefined): ComponentContext {
  return {
    candles: [],
    intervalMs: 60_000,
    indicators: { get: () => null },
    names,
    orderBook,
    otherTimeframes: [],
  };
}

type Levels = readonly (readonly [price: number, size: number])[];

function book(bids: Levels, asks: Levels, timestamp = 1_700_000_000_000): OrderBookSnapshot {
  const levels = (side: Levels) => side.map(([price, size]) => ({ price, size }));
  return { timestamp, bids: levels(bids), asks: levels(asks) };
}

/** The same book reflected about mid: bids become asks at the same distance, and vice versa. */
function mirror(snapshot: OrderBookSnapshot): OrderBookSnapshot {
  const twiceMid = snapshot.bids[0]!.price + snapshot.asks[0]!.price;
  const reflect = (levels: OrderBookSnapshot['bids']) =>
    levels.map((level) => ({ price: twiceMid - level.price, size: level.size }));
  return { timestamp: snapshot.timestamp, bids: reflect(snapshot.asks), asks: reflect(snapshot.bids) };
}

const evaluate = (snapshot: OrderBookSnapshot | undefined) => component.evaluate(context(snapshot));

function sub(reading: ComponentReading, name: string): SubScore {
  const found = reading.subScores.find((s) => s.name === name);
  if (found === undefined) throw new Error(`no sub-score ${name}: ${JSON.stringify(reading.missing)}`);
  return found;
}

// Mid 100.5; ten levels a side, 0.1 apart; the bid side holds twice the size of the ask side.
const bidHeavy = book(
  Array.from({ length: 10 }, (_, i) => [100 - i * 0.1, i === 2 ? 12 : 2] as const),
  Array.from({ length: 10 }, (_, i) => [101 + i * 0.1, 1] as const),
);

describe('OrderBookComponent', () => {
  it('is named orderBook and reports exactly its four sub-scores', () => {
    expect(component.name).toBe('orderBook');
    expect(evaluate(bidHeavy).subScores.map((s) => s.name)).toEqual([...SUBSCORES]);
    expect(evaluate(bidHeavy).missing).toEqual({});
  });

  it('absent order book reports every sub-score missing and no input time', () => {
    const reading = evaluate(undefined);
    expect(reading.component).toBe('orderBook');
    expect(reading.subScores).toEqual([]);
    expect(reading.missing).toEqual(Object.fromEntries(SUBSCORES.map((name) => [name, 'no order book'])));
    expect(reading.oldestInput).toBeNull();
  });

  it('one-sided and empty books are rejected with a reason per sub-score', () => {
    expect(evaluate(book([[100, 1]], [])).missing.spread).toBe('no asks in order book');
    expect(evaluate(book([], [[101, 1]])).missing.walls).toBe('no bids in order book');
    const empty = evaluate(book([], []));
    expect(empty.subScores).toEqual([]);
    expect(Object.keys(empty.missing)).toEqual([...SUBSCORES]);
  });

  it('crossed book is rejected, and so is a locked one (best bid = best ask)', () => {
    for (const snapshot of [book([[101, 1]], [[100, 1]]), book([[100, 1]], [[100, 1]])]) {
      const reading = evaluate(snapshot);
      expect(reading.subScores).toEqual([]);
      expect(reading.missing).toEqual(Object.fromEntries(SUBSCORES.map((name) => [name, 'crossed book'])));
      expect(reading.oldestInput).toBeNull();
    }
  });

  it('bid-heavy book scores above 50 and ask-heavy below, symmetric about 50 when mirrored', () => {
    const bullish = evaluate(bidHeavy);
    const bearish = evaluate(mirror(bidHeavy));
    for (const name of SUBSCORES) {
      expect(sub(bullish, name).score).toBeGreaterThan(50);
      expect(sub(bearish, name).score).toBeLessThan(50);
      expect(sub(bullish, name).score + sub(bearish, name).score).toBeCloseTo(100, 9);
    }
    expect(sub(bearish, 'spread').inputs.spreadBps).toBeCloseTo(sub(bullish, 'spread').inputs.spreadBps!, 9);
  });

  it('a balanced book reads neutral on every sub-score', () => {
    const balanced = book(
      [
        [100, 1],
        [99.9, 5],
      ],
      [
        [101, 1],
        [101.1, 5],
      ],
    );
    for (const name of SUBSCORES) expect(sub(evaluate(balanced), name).score).toBeCloseTo(50, 12);
  });

  it('spread is the micro-price pressure of Stoikov (2018) and reports the spread in bps', () => {
    // micro = (100·1 + 101·3) / 4 = 100.75; mid 100.5, half spread 0.5 → x = 0.5.
    const spread = sub(evaluate(book([[100, 3]], [[101, 1]])), 'spread');
    expect(spread.inputs.microprice).toBeCloseTo(100.75, 12);
    expect(spread.inputs.mid).toBe(100.5);
    expect(spread.value).toBeCloseTo(0.5, 12);
    expect(spread.score).toBeCloseTo(50 + 50 * Math.tanh(1), 12);
    expect(spread.inputs.spreadBps).toBeCloseTo((1 / 100.5) * 10_000, 9);
  });

  it('depth imbalance counts only levels within ±0.5 % of mid', () => {
    // Mid 100.05, band ±0.50025: a bid at 99.6 is inside it, one at 99.5 outside.
    const withSecondBid = (price: number) =>
      book(
        [
          [100, 1],
          [price, 2],
        ],
        [[100.1, 1]],
      );
    const outside = sub(evaluate(withSecondBid(99.5)), 'depthImbalance');
    expect(outside.inputs.bidDepth).toBe(1);
    expect(outside.value).toBe(0);
    const inside = sub(evaluate(withSecondBid(99.6)), 'depthImbalance');
    expect(inside.inputs.bidDepth).toBe(3);
    expect(inside.value).toBeCloseTo(0.5, 12); // (3 − 1) / 4
    expect(inside.score).toBeCloseTo(50 + 50 * Math.tanh(1), 12);
  });

  it('walls near mid weigh more than far walls', () => {
    // Mid 100; uniform size 1 except one bid wall and one ask wall of size 10 (median 1, threshold 3).
    const withWalls = (bidWallAt: number, askWallAt: number) =>
      book(
        Array.from({ length: 10 }, (_, i) => [99.99 - i * 0.1, i === bidWallAt ? 10 : 1] as const),
        Array.from({ length: 10 }, (_, i) => [100.01 + i * 0.1, i === askWallAt ? 10 : 1] as const),
      );
    const nearBid = sub(evaluate(withWalls(0, 9)), 'walls');
    const nearAsk = sub(evaluate(withWalls(9, 0)), 'walls');
    expect(nearBid.inputs.bidWalls).toBe(1);
    expect(nearBid.inputs.askWalls).toBe(1);
    expect(nearBid.inputs.wallThreshold).toBe(3);
    expect(nearBid.score).toBeGreaterThan(50);
    expect(nearAsk.score).toBeLessThan(50);
    // A wall 1 bp from mid weighs 1 / (1 + 0.1); one 91 bp away weighs 1 / (1 + 9.1).
    expect(nearBid.inputs.bidWallWeight).toBeCloseTo(1 / 1.1, 9);
    expect(nearBid.inputs.askWallWeight).toBeCloseTo(1 / 10.1, 9);
    expect(nearBid.value).toBeCloseTo((1 / 1.1 - 1 / 10.1) / (1 / 1.1 + 1 / 10.1), 9);
  });

  it('a level below three times the median is no wall; without walls the reading is neutral but present', () => {
    const noWalls = book(
      [
        [100, 1],
        [99.9, 2.9],
      ],
      [
        [101, 1],
        [101.1, 1],
      ],
    );
    const walls = sub(evaluate(noWalls), 'walls');
    expect(walls.inputs.bidWalls).toBe(0);
    expect(walls.inputs.askWalls).toBe(0);
    expect(walls.value).toBe(0);
    expect(walls.score).toBe(50);
  });

  it('order imbalance ratio reads the top three levels only', () => {
    const levels = (fourth: number) =>
      book(
        [
          [100, 3],
          [99.9, 3],
          [99.8, 3],
          [99.7, fourth],
        ],
        [
          [101, 1],
          [101.1, 1],
          [101.2, 1],
          [101.3, 1],
        ],
      );
    const oir = sub(evaluate(levels(1)), 'orderImbalanceRatio');
    expect(oir.value).toBeCloseTo(0.5, 12); // (9 − 3) / 12
    expect(oir.inputs).toEqual({ bidTopSize: 9, askTopSize: 3 });
    expect(sub(evaluate(levels(500)), 'orderImbalanceRatio').value).toBe(oir.value);
  });

  it('oldest input is the snapshot time', () => {
    expect(evaluate(book([[100, 1]], [[101, 1]], 1234)).oldestInput).toBe(1234);
  });

  it('zero sizes at the touch give neutral readings, never NaN', () => {
    const reading = evaluate(book([[100, 0]], [[101, 0]]));
    for (const s of reading.subScores) {
      expect(s.score).toBe(50);
      for (const input of Object.values(s.inputs)) expect(Number.isFinite(input)).toBe(true);
    }
  });

  it('over random books every score is finite, inside (0, 100) and mirror-symmetric', () => {
    const random = prng(20240601);
    for (let run = 0; run < 300; run++) {
      const mid = 10 ** (random() * 6 - 2);
      const tick = mid * 10 ** (-1 - random() * 4);
      const depth = 1 + Math.floor(random() * 25);
      const side = (direction: number) =>
        Array.from(
          { length: depth },
          (_, i) =>
            [mid + direction * tick * (i + 0.5), random() < 0.1 ? random() * 1e4 : random() * 5] as const,
        );
      const snapshot = book(side(-1), side(1));
      const reading = evaluate(snapshot);
      const mirrored = evaluate(mirror(snapshot));
      expect(reading.subScores).toHaveLength(4);
      for (const name of SUBSCORES) {
        const { score, value, inputs } = sub(reading, name);
        expect(score).toBeGreaterThan(0);
        expect(score).toBeLessThan(100);
        expect(Number.isFinite(value)).toBe(true);
        for (const input of Object.values(inputs)) expect(Number.isFinite(input)).toBe(true);
        expect(score + sub(mirrored, name).score).toBeCloseTo(100, 6);
      }
    }
  });
});
