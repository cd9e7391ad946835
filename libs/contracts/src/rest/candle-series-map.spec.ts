import 'reflect-metadata';
import { describe, expect, it } from '@jest/globals';
import { validateSync } from 'class-validator';
// By path: the @app/testing barrel also loads mongoose and the fake exchange (about 1 s a suite).
import { candleFactory } from '../../../testing/src/factories/index.js';
import type { Timeframe } from '../timeframe.js';
import {
  CANDLE_SERIES_CONSTRAINT,
  candleSeriesMapIssues,
  IsCandleSeries,
  parseIssueMessage,
} from './candle-series.js';

/** Series of several timeframes at once, and the class-validator decorator built on the checks. */

const MINUTE = 60_000;
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

describe('IsCandleSeries and parseIssueMessage', () => {
  class Unaligned {
    @IsCandleSeries() readonly candles!: unknown;
  }
  class Aligned {
    @IsCandleSeries('timeframe') readonly candles!: unknown;
    readonly timeframe?: unknown;
  }

  function constraint(target: object): string | undefined {
    return validateSync(target)[0]?.constraints?.[CANDLE_SERIES_CONSTRAINT];
  }

  it('checks alignment only when the named property holds a timeframe', () => {
    const candles = [candleFactory.build({ timestamp: T0 }), candleFactory.build({ timestamp: T0 + 90_000 })];
    expect(constraint(Object.assign(new Unaligned(), { candles }))).toBeUndefined();
    expect(constraint(Object.assign(new Aligned(), { candles }))).toBeUndefined();
    expect(constraint(Object.assign(new Aligned(), { candles, timeframe: '2m' }))).toBeUndefined();
    expect(
      parseIssueMessage(constraint(Object.assign(new Aligned(), { candles, timeframe: '1m' })) ?? '', ''),
    ).toEqual([{ field: 'candles[1].timestamp', message: 'must be a 1m candle open time (UTC)' }]);
  });

  it('writes the issues into the message and reads them back, under a prefix', () => {
    const candles = [
      candleFactory.build({ timestamp: T0, low: 100.5 }),
      candleFactory.build({ timestamp: T0 }),
      candleFactory.build({ timestamp: T0 + 2 * MINUTE, volume: -1 }),
    ];
    const message = constraint(Object.assign(new Unaligned(), { candles }));
    expect(parseIssueMessage(message ?? '', 'body')).toEqual([
      { field: 'body.candles[0].low', message: 'must be ≤ min(open, close)' },
      {
        field: 'body.candles[1].timestamp',
        message: 'must be later than the previous candle (oldest first)',
      },
      { field: 'body.candles[2].volume', message: 'must be ≥ 0' },
    ]);
  });

  it('keeps a message that is not a list of issues whole, on the prefix', () => {
    expect(parseIssueMessage('something odd', 'candles')).toEqual([
      { field: 'candles', message: 'something odd' },
    ]);
    expect(parseIssueMessage('{"field":1}', '')).toEqual([{ field: '', message: '{"field":1}' }]);
  });
});
