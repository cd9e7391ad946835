import { describe, expect, it } from '@jest/globals';
import { CandleSequencer, type RawCandle } from './candle-sequencer.js';

const M = 60_000;
const T0 = Date.UTC(2021, 1, 19);
const c = (minute: number, close = 100 + minute): RawCandle => ({
  timestamp: T0 + minute * M,
  open: close,
  high: close + 1,
  low: close - 1,
  close,
  volume: 1,
});
const minutes = (candles: readonly RawCandle[]) => candles.map((x) => (x.timestamp - T0) / M);
/** `now` just after minute `m` began (so candle m is forming and m − 1 is closed). */
const at = (m: number) => T0 + m * M + 1_000;

describe('CandleSequencer', () => {
  it('publishes closed candles once, in order, and holds the forming one until it closes', () => {
    const s = new CandleSequencer('1m');
    // A polled page: minutes 0..4, where 4 is still forming at this moment.
    const first = s.update([c(0), c(1), c(2), c(3), c(4)], at(4));
    expect(minutes(first.publish)).toEqual([0, 1, 2, 3]);
    expect(first.forming).toBe(1);
    // The next page overlaps: 2..5 (5 forming); only 4 is new and closed.
    const second = s.update([c(2), c(3), c(4, 999), c(5)], at(5));
    expect(minutes(second.publish)).toEqual([4]);
    expect(second.publish[0]?.close).toBe(999);
    expect(second.duplicates).toBe(2);
    expect(s.lastPublished).toBe(T0 + 4 * M);
  });

  it('never publishes a forming snapshot, even once the clock says it has closed', () => {
    const s = new CandleSequencer('1m');
    s.resumeAfter(T0 - M);
    // Minute 0 seen while forming, then no poll until minute 3: the old snapshot is worthless.
    expect(s.update([c(0, 10)], at(0)).publish).toEqual([]);
    expect(s.update([], at(3)).publish).toEqual([]);
    // A lagging replica's newest row looks closed by our clock but may be its forming candle.
    const stale = s.update([c(0, 11)], at(3));
    expect(stale).toMatchObject({ publish: [], forming: 1 });
    // Only a page showing minute 0 behind a newer row proves its final values.
    expect(s.update([c(0, 12), c(1)], at(3)).publish).toEqual([c(0, 12)]);
  });

  it('trusts every row of a history page cut short by its limit', () => {
    const s = new CandleSequencer('1m');
    s.resumeAfter(T0 - M);
    const full = s.fill([c(0), c(1), c(2)], at(10), { newestMayBeForming: false });
    expect(minutes(full.publish)).toEqual([0, 1, 2]);
  });

  it('sorts out-of-order updates and ignores ones older than the published series', () => {
    const s = new CandleSequencer('1m');
    expect(minutes(s.update([c(3), c(1), c(0), c(2), c(4)], at(4)).publish)).toEqual([0, 1, 2, 3]);
    const late = s.update([c(1), c(2), c(5)], at(6));
    expect(late.publish).toEqual([]);
    expect(late.duplicates).toBe(2);
  });

  it('asks for exactly the missing range after a gap, and publishes nothing newer until it is filled', () => {
    const s = new CandleSequencer('1m');
    s.update([c(0), c(1), c(2)], at(2));
    // Downtime: the next page starts at minute 6 (9 is forming).
    const gap = s.update([c(6), c(7), c(8), c(9)], at(9));
    expect(gap.publish).toEqual([]);
    expect(gap.backfill).toEqual({ from: T0 + 2 * M, to: T0 + 5 * M });
    expect(s.awaitingBackfill).toEqual(gap.backfill);
    // More live candles arrive meanwhile; still held.
    expect(s.update([c(9), c(10)], at(10)).publish).toEqual([]);
    // The backfill (a superset is fine) closes the hole; everything follows in order.
    const filled = s.fill([c(1), c(2), c(3), c(4), c(5), c(6)], at(10), { newestMayBeForming: false });
    expect(minutes(filled.publish)).toEqual([2, 3, 4, 5, 6, 7, 8, 9]);
    expect(filled.backfill).toBeNull();
    expect(s.awaitingBackfill).toBeNull();
  });

  it('keeps asking while a backfill comes back incomplete', () => {
    const s = new CandleSequencer('1m');
    s.resumeAfter(T0);
    expect(s.update([c(5), c(6)], at(6)).backfill).toEqual({ from: T0 + M, to: T0 + 4 * M });
    const partial = s.fill([c(1), c(2)], at(6), { newestMayBeForming: false });
    expect(minutes(partial.publish)).toEqual([1, 2]);
    expect(partial.backfill).toEqual({ from: T0 + 3 * M, to: T0 + 4 * M });
  });

  it('resumes after a stored candle, backfilling from there', () => {
    const s = new CandleSequencer('5m');
    s.resumeAfter(T0);
    const out = s.update(
      [
        { ...c(0), timestamp: T0 + 15 * M },
        { ...c(0), timestamp: T0 + 20 * M },
      ],
      T0 + 21 * M,
    );
    expect(out.backfill).toEqual({ from: T0 + 5 * M, to: T0 + 10 * M });
  });

  it('drops candles whose open time is off the timeframe grid, and counts them', () => {
    const s = new CandleSequencer('5m');
    const out = s.update([{ ...c(0), timestamp: T0 + 60_000 }], T0 + 10 * M);
    expect(out).toMatchObject({ publish: [], misaligned: 1 });
  });

  it('publishes every candle of a long shuffled, repeated feed exactly once, contiguously (property)', () => {
    const s = new CandleSequencer('1m');
    const published: number[] = [];
    let seed = 7;
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    for (let now = 1; now <= 300; now++) {
      // Each poll returns a random window of the last few minutes, shuffled, sometimes repeated.
      const page = Array.from({ length: 1 + Math.floor(random() * 6) }, () =>
        c(Math.max(0, now - Math.floor(random() * 5))),
      );
      const out = s.update(
        page.sort(() => random() - 0.5),
        at(now),
      );
      published.push(...minutes(out.publish));
      if (out.backfill !== null) {
        const fill = [];
        for (let t = out.backfill.from; t <= out.backfill.to; t += M) fill.push(c((t - T0) / M));
        published.push(...minutes(s.fill(fill, at(now), { newestMayBeForming: false }).publish));
      }
    }
    expect(published).toEqual(Array.from({ length: published.length }, (_, i) => i));
    expect(published.length).toBeGreaterThan(290);
  });
});
