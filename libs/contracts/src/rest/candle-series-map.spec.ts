import 'reflect-metadata';
import { describe, expect, it } from '@jest/globals';
// By path: the @app/testing barrel also loads mongoose and the fake exchange (about 1 s a suite).
import { candleFactory } from '../../../testing/src/factories/index.js';
import type { Timeframe } from '../timeframe.js';
import { candleSeriesMapIssues } from './candle-series.js';
import { ANALYZE_CANDLES, AnalyzeRequestDto, INDICATOR_CANDLES, IndicatorsRequestDto } from './rest-dtos.js';

/** Series of several timeframes at once, and the candle rules of the POST bodies built on the checks. */

/** Friday 2021-02-19 00:00 UTC, the first candle of the bundled BTC files. */
const T0 = Date.UTC(2021, 1, 19);

describe('candleSeriesMapIssues', () => {
  it('finds nothing in valid series of several timeframes', () => {
    expect(
      candleSeriesMapIssues(
        {
          '1m': candleFactory.buildList(3),
          '1h': candleFactory.buildList(2, {}, { timeframe: '1h' }),
          '1w': candleFactory.buildList(2, { timestamp: Date.UTC(2024, 2, 4) }, { timeframe: '1w' }),
          '1M': [Date.UTC(2024, 0, 1), Date.UTC(2024, 1, 1), Date.UTC(2024, 2, 1)].map((timestamp) =>
            candleFactory.build({ timestamp }),
          ),
        },
        'candles',
      ),
    ).toEqual([]);
  });

  it.each<[string, unknown]>([
    ['null', null],
    ['an array', [candleFactory.build({ timestamp: T0 })]],
    ['a string', '1m'],
  ])('refuses a value that is %s', (_case, value) => {
    expect(candleSeriesMapIssues(value, 'candles')).toEqual([
      { field: 'candles', message: 'must be an object of timeframe → candles' },
    ]);
  });

  it('refuses an empty object', () => {
    expect(candleSeriesMapIssues({}, 'candles')).toEqual([
      { field: 'candles', message: 'must hold at least one timeframe' },
    ]);
  });

  it('names an unknown timeframe key and checks the known ones beside it', () => {
    expect(
      candleSeriesMapIssues(
        {
          '2d': candleFactory.buildList(1),
          '1M': [candleFactory.build({ timestamp: Date.UTC(2024, 0, 2) })],
          '1m': [],
        },
        'candles',
      ),
    ).toEqual([
      { field: 'candles.2d', message: 'is not a known timeframe (1m, 5m, 1h, …)' },
      { field: 'candles.1M[0].timestamp', message: 'must be a 1M candle open time (UTC)' },
      { field: 'candles.1m', message: 'must hold at least one candle' },
    ]);
  });

  it('gives exact paths under each timeframe: candles.1m[3].high', () => {
    const bad = candleFactory.buildList(5, (i) => (i === 3 ? { high: 100 } : {}));
    expect(candleSeriesMapIssues({ '1m': bad, '1h': 'x' }, 'candles')).toEqual([
      { field: 'candles.1m[3].high', message: 'must be ≥ max(open, close)' },
      { field: 'candles.1h', message: 'must be an array of candles' },
    ]);
  });

  it('caps issues at 50 across timeframes', () => {
    const bad = (timeframe: Timeframe) => candleFactory.buildList(40, { volume: -1 }, { timeframe });
    const issues = candleSeriesMapIssues({ '1m': bad('1m'), '5m': bad('5m'), '7x': [] }, 'candles');
    expect(issues).toHaveLength(50);
    expect(issues[39]).toEqual({ field: 'candles.1m[39].volume', message: 'must be ≥ 0' });
    expect(issues[40]).toEqual({ field: 'candles.5m[0].volume', message: 'must be ≥ 0' });
    expect(issues[49]).toEqual({ field: 'candles.5m[9].volume', message: 'must be ≥ 0' });
  });
});

describe('the candle rules of the POST bodies', () => {
  const candles = [candleFactory.build({ timestamp: T0 }), candleFactory.build({ timestamp: T0 + 90_000 })];

  it('names the DTO and the property they check', () => {
    expect([ANALYZE_CANDLES.dto, ANALYZE_CANDLES.field]).toEqual([AnalyzeRequestDto, 'candles']);
    expect([INDICATOR_CANDLES.dto, INDICATOR_CANDLES.field]).toEqual([IndicatorsRequestDto, 'candles']);
  });

  it("aligns indicators' candles only when the body's timeframe is one", () => {
    expect(INDICATOR_CANDLES.issues(candles, {})).toEqual([]);
    expect(INDICATOR_CANDLES.issues(candles, { timeframe: '2m' })).toEqual([]);
    expect(INDICATOR_CANDLES.issues(candles, { timeframe: '1m' })).toEqual([
      { field: 'candles[1].timestamp', message: 'must be a 1m candle open time (UTC)' },
    ]);
    expect(INDICATOR_CANDLES.issues(undefined, { timeframe: '1m' })).toEqual([
      { field: 'candles', message: 'must be an array of candles' },
    ]);
  });

  it("checks analyze's series by timeframe, under candles", () => {
    const bad = [candleFactory.build({ timestamp: T0, low: 100.5 }), candleFactory.build({ timestamp: T0 })];
    expect(ANALYZE_CANDLES.issues({ '1m': bad }, { timeframe: '1h' })).toEqual([
      { field: 'candles.1m[0].low', message: 'must be ≤ min(open, close)' },
      { field: 'candles.1m[1].timestamp', message: 'must be later than the previous candle (oldest first)' },
    ]);
    expect(ANALYZE_CANDLES.issues(undefined, {})).toEqual([
      { field: 'candles', message: 'must be an object of timeframe → candles' },
    ]);
  });
});
