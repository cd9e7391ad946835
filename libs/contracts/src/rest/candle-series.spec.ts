import 'reflect-metadata';
import { describe, expect, it } from '@jest/globals';
// By path: the @app/testing barrel also loads mongoose and the fake exchange (about 1 s a suite).
import { candleFactory } from '../../../testing/src/factories/index.js';
import { candleSeriesIssues, MAX_CANDLES_PER_TIMEFRAME } from './candle-series.js';

const MINUTE = 60_000;
/** Friday 2021-02-19 00:00 UTC, the first candle of the bundled BTC files. */
const T0 = Date.UTC(2021, 1, 19);

describe('candleSeriesIssues', () => {
  it('finds nothing in a valid series, with or without a timeframe', () => {
    expect(candleSeriesIssues(candleFactory.buildList(3), 'candles', '1m')).toEqual([]);
    expect(
      candleSeriesIssues(candleFactory.buildList(3, {}, { intervalMs: 7 * MINUTE + 3 }), 'candles', null),
    ).toEqual([]);
  });

  it('accepts zero volume and a candle whose OHLC are all equal', () => {
    expect(
      candleSeriesIssues(
        [candleFactory.build({ timestamp: T0, open: 5, high: 5, low: 5, close: 5, volume: 0 })],
        'c',
        '1m',
      ),
    ).toEqual([]);
  });

  it('accepts prices touching the range: high = max(open, close), low = min(open, close)', () => {
    expect(
      candleSeriesIssues(
        [
          candleFactory.build({ timestamp: T0, open: 100, close: 102, high: 102, low: 100 }),
          candleFactory.build({ timestamp: T0 + MINUTE, open: 102, close: 100, high: 102, low: 100 }),
        ],
        'c',
        '1m',
      ),
    ).toEqual([]);
  });

  it.each<[string, unknown, string]>([
    ['an object', { '0': candleFactory.build({ timestamp: T0 }) }, 'must be an array of candles'],
    ['null', null, 'must be an array of candles'],
    ['a string', 'candles', 'must be an array of candles'],
    ['empty', [], 'must hold at least one candle'],
  ])('refuses a series that is %s', (_case, value, message) => {
    expect(candleSeriesIssues(value, 'candles', '1m')).toEqual([{ field: 'candles', message }]);
  });

  it(`accepts ${MAX_CANDLES_PER_TIMEFRAME} candles and refuses one more without reading them`, () => {
    expect(MAX_CANDLES_PER_TIMEFRAME).toBe(5000);
    expect(candleSeriesIssues(candleFactory.buildList(5000), 'candles', '1m')).toEqual([]);
    const tooMany = [...candleFactory.buildList(5000), { not: 'a candle' }];
    expect(candleSeriesIssues(tooMany, 'candles', '1m')).toEqual([
      { field: 'candles', message: 'must hold at most 5000 candles' },
    ]);
  });

  it.each<[string, unknown]>([
    ['null', null],
    ['an array', [T0, 1, 2, 0.5, 1.5, 10]],
    ['a number', 42],
  ])('refuses a candle that is %s, at its index', (_case, value) => {
    expect(candleSeriesIssues([candleFactory.build({ timestamp: T0 }), value], 'candles', '1m')).toEqual([
      { field: 'candles[1]', message: 'must be an object {timestamp, open, high, low, close, volume}' },
    ]);
  });

  it('names an unknown candle property at its path', () => {
    expect(
      candleSeriesIssues([candleFactory.raw({ timestamp: T0, trades: 3, vwap: 100 })], 'candles.1m', '1m'),
    ).toEqual([
      { field: 'candles.1m[0].trades', message: 'property should not exist' },
      { field: 'candles.1m[0].vwap', message: 'property should not exist' },
    ]);
  });

  it.each(['timestamp', 'open', 'high', 'low', 'close', 'volume'])(
    'requires %s to be a finite number',
    (field) => {
      for (const bad of [
        undefined,
        null,
        '100',
        Number.NaN,
        Number.POSITIVE_INFINITY,
        Number.NEGATIVE_INFINITY,
      ]) {
        const broken =
          bad === undefined
            ? Object.fromEntries(
                Object.entries(candleFactory.build({ timestamp: T0 })).filter(([key]) => key !== field),
              )
            : candleFactory.raw({ timestamp: T0, [field]: bad });
        expect(candleSeriesIssues([broken], 'c', '1m')).toEqual([
          { field: `c[0].${field}`, message: 'must be a finite number' },
        ]);
      }
    },
  );

  it.each([
    ['a fraction', T0 + 0.5],
    ['negative', -MINUTE],
    ['beyond the safe integers', 2 ** 53],
    ['past the last JavaScript date', 9e15],
    ['after year 9999', 253_402_300_800_000],
  ])('refuses a timestamp that is %s', (_case, timestamp) => {
    expect(candleSeriesIssues([candleFactory.build({ timestamp })], 'c', null)).toEqual([
      {
        field: 'c[0].timestamp',
        message:
          'must be an open time in ms since the epoch, an integer from 0 to 253402300799999 (9999-12-31T23:59:59.999Z)',
      },
    ]);
  });

  it.each(['open', 'high', 'low', 'close'])('requires %s to be positive', (field) => {
    for (const bad of [0, -1])
      expect(candleSeriesIssues([candleFactory.raw({ timestamp: T0, [field]: bad })], 'c', '1m')).toEqual([
        { field: `c[0].${field}`, message: 'must be a positive number' },
      ]);
  });

  it('requires volume ≥ 0', () => {
    expect(candleSeriesIssues([candleFactory.build({ timestamp: T0, volume: -0.001 })], 'c', '1m')).toEqual([
      { field: 'c[0].volume', message: 'must be ≥ 0' },
    ]);
  });

  it.each([
    ['below the open', { open: 103, close: 101, high: 102 }],
    ['below the close', { open: 100, close: 103, high: 102 }],
  ])('requires high ≥ max(open, close): high %s', (_case, prices) => {
    expect(candleSeriesIssues([candleFactory.raw({ timestamp: T0, ...prices })], 'c', '1m')).toEqual([
      { field: 'c[0].high', message: 'must be ≥ max(open, close)' },
    ]);
  });

  it.each([
    ['above the open', { open: 98, close: 101, low: 99 }],
    ['above the close', { open: 100, close: 98.5, low: 99 }],
  ])('requires low ≤ min(open, close): low %s', (_case, prices) => {
    expect(candleSeriesIssues([candleFactory.raw({ timestamp: T0, ...prices })], 'c', '1m')).toEqual([
      { field: 'c[0].low', message: 'must be ≤ min(open, close)' },
    ]);
  });

  it('names a high below the low as well as the range it breaks', () => {
    expect(
      candleSeriesIssues(
        [candleFactory.build({ timestamp: T0, open: 10, close: 10, high: 9, low: 11 })],
        'c',
        '1m',
      ),
    ).toEqual([
      { field: 'c[0].high', message: 'must be ≥ max(open, close)' },
      { field: 'c[0].low', message: 'must be ≤ min(open, close)' },
      { field: 'c[0].high', message: 'must be ≥ low' },
    ]);
  });

  it('requires open times strictly increasing, oldest first', () => {
    const later = 'must be later than the previous candle (oldest first)';
    expect(
      candleSeriesIssues(
        [candleFactory.build({ timestamp: T0 }), candleFactory.build({ timestamp: T0 })],
        'c',
        '1m',
      ),
    ).toEqual([{ field: 'c[1].timestamp', message: later }]);
    expect(
      candleSeriesIssues(
        [T0 + MINUTE, T0, T0 + 2 * MINUTE].map((timestamp) => candleFactory.build({ timestamp })),
        'c',
        null,
      ),
    ).toEqual([{ field: 'c[1].timestamp', message: later }]);
  });

  it('does not compare order across a candle it could not read', () => {
    expect(
      candleSeriesIssues(
        [
          candleFactory.build({ timestamp: T0 + 2 * MINUTE }),
          candleFactory.raw({ timestamp: T0 + 3 * MINUTE, close: 'x' }),
          candleFactory.build({ timestamp: T0 }),
        ],
        'c',
        '1m',
      ),
    ).toEqual([{ field: 'c[1].close', message: 'must be a finite number' }]);
  });

  it('requires alignment to the timeframe when one is given, and only then', () => {
    const offBeat = [candleFactory.build({ timestamp: T0 }), candleFactory.build({ timestamp: T0 + 90_000 })];
    expect(candleSeriesIssues(offBeat, 'c', '1m')).toEqual([
      { field: 'c[1].timestamp', message: 'must be a 1m candle open time (UTC)' },
    ]);
    expect(candleSeriesIssues(offBeat, 'c', null)).toEqual([]);
    expect(candleSeriesIssues(candleFactory.buildList(3), 'c', '5m')).toEqual([
      { field: 'c[1].timestamp', message: 'must be a 5m candle open time (UTC)' },
      { field: 'c[2].timestamp', message: 'must be a 5m candle open time (UTC)' },
    ]);
  });

  it('reports both alignment and order of one candle', () => {
    expect(
      candleSeriesIssues(
        [
          candleFactory.build({ timestamp: T0 + 5 * MINUTE }),
          candleFactory.build({ timestamp: T0 + MINUTE }),
        ],
        'c',
        '5m',
      ),
    ).toEqual([
      { field: 'c[1].timestamp', message: 'must be a 5m candle open time (UTC)' },
      { field: 'c[1].timestamp', message: 'must be later than the previous candle (oldest first)' },
    ]);
  });

  it('stops at 50 issues, keeping the first ones in order', () => {
    const bad = candleFactory.buildList(200, { volume: -1 });
    const issues = candleSeriesIssues(bad, 'c', '1m');
    expect(issues).toHaveLength(50);
    expect(issues.map((issue) => issue.field)).toEqual(
      Array.from({ length: 50 }, (_, i) => `c[${i}].volume`),
    );
  });

  it('cuts at 50 even when the last candle read brings several issues', () => {
    // Three issues a candle: 17 candles read (51 issues), one dropped.
    const bad = candleFactory.buildList(40).map((c) => ({ ...c, open: 0, close: 0, volume: -1 }));
    const issues = candleSeriesIssues(bad, 'c', '1m');
    expect(issues).toHaveLength(50);
    expect(issues.at(-1)).toEqual({ field: 'c[16].close', message: 'must be a positive number' });
  });

  it('appends to the issues it is given', () => {
    const issues = [{ field: 'symbol', message: 'bad' }];
    candleSeriesIssues([candleFactory.build({ timestamp: T0, volume: -1 })], 'c', '1m', issues);
    expect(issues).toEqual([
      { field: 'symbol', message: 'bad' },
      { field: 'c[0].volume', message: 'must be ≥ 0' },
    ]);
  });
});
