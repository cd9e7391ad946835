import { describe, expect, it } from '@jest/globals';
import { describeItems } from './describe-writes.js';

const at = (iso: string): number => Date.parse(iso);

describe('describeItems', () => {
  it('names each stream with its first and last time and its count, in order of appearance', () => {
    const btc = { exchange: 'binance', symbol: 'BTC/USDT', timeframe: '1m' } as const;
    const ltc = { exchange: 'binance', symbol: 'LTC/USDT', timeframe: '5m' } as const;
    expect(
      describeItems('results', [
        { ...btc, time: at('2021-02-19T10:01:00Z') },
        { ...ltc, time: at('2020-11-08T09:40:00Z') },
        { ...btc, time: at('2021-02-19T10:00:00Z') },
        { ...btc, time: at('2021-02-19T10:41:30Z') },
      ]),
    ).toEqual([
      'results binance BTC/USDT 1m 2021-02-19T10:00:00Z..2021-02-19T10:41:30Z (3)',
      'results binance LTC/USDT 5m 2020-11-08T09:40:00Z (1)',
    ]);
    expect(describeItems('candles', [])).toEqual([]);
  });
});
