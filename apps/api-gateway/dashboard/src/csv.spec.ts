import { describe, expect, it } from '@jest/globals';
import { parseCandlesCsv } from './csv.js';

const HEADER = 'timestamp,open,high,low,close,volume';
// The first two lines of data/BTC-USDT_1m_2021-02-19_binance.csv.
const ROWS = [
  '1613692800000,51552.61,51657.05,51545,51613.38,134.989218',
  '1613692860000,51622.99,51696.42,51606.39,51678.84,106.156963',
];
const FIRST = {
  timestamp: 1613692800000,
  open: 51552.61,
  high: 51657.05,
  low: 51545,
  close: 51613.38,
  volume: 134.989218,
};

describe('parseCandlesCsv', () => {
  it('reads the bundled files’ format: a header, then one candle a line (CRLF and a trailing newline too)', () => {
    expect(parseCandlesCsv([HEADER, ...ROWS, ''].join('\r\n'))).toEqual({
      ok: true,
      candles: [
        FIRST,
        {
          timestamp: 1613692860000,
          open: 51622.99,
          high: 51696.42,
          low: 51606.39,
          close: 51678.84,
          volume: 106.156963,
        },
      ],
    });
  });

  it('takes the columns by their header names, in any order, ignoring extra ones and blank lines', () => {
    const text = [
      'Volume,close,low,high,open,timestamp,trades',
      '',
      '134.989218,51613.38,51545,51657.05,51552.61,1613692800000,7',
    ].join('\n');
    expect(parseCandlesCsv(text)).toEqual({ ok: true, candles: [FIRST] });
  });

  it('reads lines without a header in the files’ column order, and ISO times', () => {
    expect(parseCandlesCsv(ROWS[0] ?? '')).toEqual({ ok: true, candles: [FIRST] });
    expect(
      parseCandlesCsv(`${HEADER}\n2021-02-19T00:00:00Z,51552.61,51657.05,51545,51613.38,134.989218`),
    ).toEqual({ ok: true, candles: [FIRST] });
  });

  it('names the line and the column of the first value that is not a number or a time', () => {
    expect(
      parseCandlesCsv([HEADER, ROWS[0], '1613692860000,51622.99,abc,51606.39,51678.84,1'].join('\n')),
    ).toEqual({ ok: false, error: 'line 3: high is not a number' });
    expect(parseCandlesCsv([HEADER, '1613692800000,1,2,0.5,1'].join('\n'))).toEqual({
      ok: false,
      error: 'line 2: volume is not a number',
    });
    expect(parseCandlesCsv([HEADER, 'yesterday,1,2,0.5,1,3'].join('\n'))).toEqual({
      ok: false,
      error: 'line 2: timestamp is not a time',
    });
  });

  it('says what the header lacks, and that there are no candles', () => {
    expect(parseCandlesCsv('time,open,high,low,close\n1,2,3,1,2')).toEqual({
      ok: false,
      error: 'line 1: the header lacks timestamp, volume (expected timestamp,open,high,low,close,volume)',
    });
    expect(parseCandlesCsv('  \n')).toEqual({ ok: false, error: 'no candles: paste or upload a CSV' });
    expect(parseCandlesCsv(`${HEADER}\n`)).toEqual({
      ok: false,
      error: 'no candles: the CSV has a header only',
    });
  });
});
