import { describe, expect, it } from '@jest/globals';
import { type Candle, candleFaults, isAlignedOpenTime } from './candle.js';
import { MAX_TIME_MS } from './time-range.js';
import { TIMEFRAMES, type Timeframe, timeframeToMs } from './timeframe.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
/** Friday 2021-02-19 00:00 UTC, the first candle of the bundled BTC files. */
const T0 = Date.UTC(2021, 1, 19);

const sound: Candle = { timestamp: T0, open: 100, high: 110, low: 95, close: 105, volume: 3 };
const OPEN_TIME =
  'must be an open time in ms since the epoch, an integer from 0 to 253402300799999 (9999-12-31T23:59:59.999Z)';

describe('candleFaults', () => {
  it('finds nothing in a sound candle, and allocates nothing for it (the engine checks every candle)', () => {
    const first = candleFaults(sound);
    expect(first).toEqual([]);
    expect(candleFaults({ ...sound, volume: 0 })).toBe(first);
    expect(candleFaults(sound, true)).toBe(first);
  });

  it.each<[string, Partial<Record<keyof Candle, unknown>>, { field: string; message: string }]>([
    ['a missing field', { close: undefined }, { field: 'close', message: 'must be a finite number' }],
    ['a string price', { open: '100' }, { field: 'open', message: 'must be a finite number' }],
    ['NaN', { high: Number.NaN }, { field: 'high', message: 'must be a finite number' }],
    ['Infinity', { volume: Infinity }, { field: 'volume', message: 'must be a finite number' }],
    ['a zero price', { low: 0 }, { field: 'low', message: 'must be a positive number' }],
    ['a negative volume', { volume: -1 }, { field: 'volume', message: 'must be ≥ 0' }],
    ['a fractional open time', { timestamp: T0 + 0.5 }, { field: 'timestamp', message: OPEN_TIME }],
    ['a negative open time', { timestamp: -MINUTE }, { field: 'timestamp', message: OPEN_TIME }],
    // Past JavaScript's last date (8.64e15): `new Date()` of it is Invalid Date, a 500 downstream.
    ['an open time past the last date', { timestamp: 9e15 }, { field: 'timestamp', message: OPEN_TIME }],
    [
      'an open time after year 9999',
      { timestamp: MAX_TIME_MS + 1 },
      { field: 'timestamp', message: OPEN_TIME },
    ],
    ['an integer too large to be a time', { timestamp: 1e300 }, { field: 'timestamp', message: OPEN_TIME }],
    ['a high below the close', { high: 104 }, { field: 'high', message: 'must be ≥ max(open, close)' }],
    ['a low above the open', { low: 101 }, { field: 'low', message: 'must be ≤ min(open, close)' }],
  ])('names %s by its field', (_name, change, fault) => {
    expect(candleFaults({ ...sound, ...change })).toEqual([fault]);
  });

  it('takes open times from the epoch to the last millisecond of year 9999', () => {
    expect(new Date(MAX_TIME_MS).toISOString()).toBe('9999-12-31T23:59:59.999Z');
    for (const timestamp of [0, T0, MAX_TIME_MS]) expect(candleFaults({ ...sound, timestamp })).toEqual([]);
  });

  it('lists every broken rule in field order, or only the first when asked', () => {
    const broken = { ...sound, open: -1, volume: -2, close: Number.NaN };
    expect(candleFaults(broken)).toEqual([
      { field: 'open', message: 'must be a positive number' },
      { field: 'close', message: 'must be a finite number' },
      { field: 'volume', message: 'must be ≥ 0' },
    ]);
    expect(candleFaults(broken, true)).toEqual([{ field: 'open', message: 'must be a positive number' }]);
  });

  it('checks the envelope only once every field is sound, then each of its rules', () => {
    // high below low and below both open and close; low above both.
    const inverted = { ...sound, high: 90, low: 120 };
    expect(candleFaults(inverted)).toEqual([
      { field: 'high', message: 'must be ≥ max(open, close)' },
      { field: 'low', message: 'must be ≤ min(open, close)' },
      { field: 'high', message: 'must be ≥ low' },
    ]);
    expect(candleFaults(inverted, true)).toEqual([{ field: 'high', message: 'must be ≥ max(open, close)' }]);
    expect(candleFaults({ ...inverted, volume: -1 })).toEqual([{ field: 'volume', message: 'must be ≥ 0' }]);
  });
});

describe('isAlignedOpenTime', () => {
  it.each<[Timeframe, number, number]>([
    ['1m', T0 + 7 * MINUTE, T0 + 7 * MINUTE + 1000],
    ['3m', T0 + 9 * MINUTE, T0 + 10 * MINUTE],
    ['5m', T0 + 35 * MINUTE, T0 + 36 * MINUTE],
    ['15m', T0 + 45 * MINUTE, T0 + 50 * MINUTE],
    ['1h', T0 + 13 * HOUR, T0 + 13 * HOUR + 30 * MINUTE],
    ['4h', T0 + 20 * HOUR, T0 + 22 * HOUR],
    ['12h', T0 + 12 * HOUR, T0 + 6 * HOUR],
    ['1d', T0 + 3 * DAY, T0 + 3 * DAY + HOUR],
  ])('%s: accepts %i and refuses %i', (timeframe, aligned, misaligned) => {
    expect(isAlignedOpenTime(aligned, timeframe)).toBe(true);
    expect(isAlignedOpenTime(misaligned, timeframe)).toBe(false);
  });

  it('aligns fixed timeframes to the epoch in UTC', () => {
    for (const timeframe of ['1m', '5m', '1h', '1d'] as const) {
      expect(isAlignedOpenTime(0, timeframe)).toBe(true);
      expect(isAlignedOpenTime(timeframeToMs(timeframe) * 1000, timeframe)).toBe(true);
      expect(isAlignedOpenTime(timeframeToMs(timeframe) * 1000 + 1, timeframe)).toBe(false);
    }
  });

  it('opens weekly candles on Mondays 00:00 UTC, not on the epoch (a Thursday)', () => {
    const monday = Date.UTC(2024, 2, 4);
    expect(new Date(monday).getUTCDay()).toBe(1);
    expect(isAlignedOpenTime(monday, '1w')).toBe(true);
    expect(isAlignedOpenTime(monday + 7 * DAY, '1w')).toBe(true);
    expect(isAlignedOpenTime(Date.UTC(1970, 0, 5), '1w')).toBe(true);
    expect(isAlignedOpenTime(0, '1w')).toBe(false);
    expect(isAlignedOpenTime(monday - DAY, '1w')).toBe(false);
    expect(isAlignedOpenTime(monday + DAY, '1w')).toBe(false);
    expect(isAlignedOpenTime(monday + HOUR, '1w')).toBe(false);
  });

  it('opens monthly candles on the first of the month 00:00 UTC, whatever the month length', () => {
    for (const first of [
      Date.UTC(2024, 0, 1),
      Date.UTC(2024, 1, 1),
      Date.UTC(2024, 2, 1),
      Date.UTC(2023, 1, 1),
    ])
      expect(isAlignedOpenTime(first, '1M')).toBe(true);
    expect(isAlignedOpenTime(0, '1M')).toBe(true);
    expect(isAlignedOpenTime(Date.UTC(2024, 1, 2), '1M')).toBe(false);
    expect(isAlignedOpenTime(Date.UTC(2024, 0, 31), '1M')).toBe(false);
    expect(isAlignedOpenTime(Date.UTC(2024, 2, 1, 1), '1M')).toBe(false);
    // 30 days after the first of January is not a month start, though 1M counts as 30 days.
    expect(isAlignedOpenTime(Date.UTC(2024, 0, 1) + timeframeToMs('1M'), '1M')).toBe(false);
  });

  it('accepts any UTC day boundary for 3d candles (exchanges disagree on their phase)', () => {
    expect(isAlignedOpenTime(T0, '3d')).toBe(true);
    expect(isAlignedOpenTime(T0 + DAY, '3d')).toBe(true);
    expect(isAlignedOpenTime(T0 + 2 * DAY, '3d')).toBe(true);
    expect(isAlignedOpenTime(T0 + 12 * HOUR, '3d')).toBe(false);
  });

  it('knows every timeframe the service names', () => {
    for (const timeframe of TIMEFRAMES) expect(isAlignedOpenTime(Date.UTC(2024, 0, 1), timeframe)).toBe(true);
  });
});
