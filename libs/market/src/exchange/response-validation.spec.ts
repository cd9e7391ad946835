import { describe, expect, it } from '@jest/globals';
import { MalformedResponseError } from '../faults/exchange-fault.js';
import {
  checkOhlcv,
  checkOrderBook,
  checkTrades,
  finiteField,
  jsonBodyProblem,
} from './response-validation.js';

const T = Date.UTC(2021, 1, 19);

describe('checkOhlcv', () => {
  it('keeps valid rows and names why each other row was dropped', () => {
    const checked = checkOhlcv(
      [
        [T, 10, 12, 9, 11, 5],
        [T + 60_000, 11, 10, 9, 11, 5], // high below open
        [T + 120_000, undefined, undefined, undefined, undefined, undefined], // ccxt's reading of a broken body
        [T + 180_000, 11],
        [T + 240_000, 11, 12, 10, 11, -1],
      ],
      '1m',
    );
    expect(checked.items).toEqual([{ timestamp: T, open: 10, high: 12, low: 9, close: 11, volume: 5 }]);
    expect(checked.dropped).toEqual([
      'row 1: high must be ≥ max(open, close)',
      'row 2: open must be a finite number',
      'row 3: not a [time, open, high, low, close, volume] row',
      'row 4: volume must be ≥ 0',
    ]);
  });

  it('refuses a response that is not a list, naming what it got', () => {
    expect(() => checkOhlcv({ code: -1 }, '1m')).toThrow(
      new MalformedResponseError('expected an array of candles, got object'),
    );
    // ccxt's hand-back of a body it could not parse
    expect(() => checkOhlcv('[[1613692800000,"51552', '1m')).toThrow(
      new MalformedResponseError('expected an array of candles, got string'),
    );
  });
});

describe('jsonBodyProblem', () => {
  it('accepts any JSON body', () => {
    expect(jsonBodyProblem('[[1613692800000,"51552.6"]]')).toBeNull();
    expect(jsonBodyProblem('{"retCode":0,"result":{}}')).toBeNull();
  });

  it('names a truncated body, with its length and start', () => {
    expect(jsonBodyProblem('[[1613692800000,"51552.61000000","51565.12')).toMatch(
      /^body is not JSON \(.+; 42 characters: "\[\[1613692800000,\\"51552\.61000000\\",\\"51565\.…"\)$/,
    );
  });

  it('names an empty body and a proxy page', () => {
    expect(jsonBodyProblem('  ')).toBe('body is not JSON (empty)');
    expect(jsonBodyProblem('<html><body>blocked</body></html>')).toMatch(/^body is not JSON \(/);
  });
});

describe('checkOrderBook', () => {
  it('sorts each side best first, keeps the top levels and drops bad ones', () => {
    const checked = checkOrderBook(
      {
        bids: [
          [99, 1],
          [100, 2],
          [98, Number.NaN],
        ],
        asks: [
          [102, 1],
          [101, 3],
          [103, 1],
        ],
        timestamp: T,
        nonce: 42,
      },
      2,
      T + 5,
    );
    expect(checked.items).toEqual([
      {
        timestamp: T,
        sequence: 42,
        bids: [
          { price: 100, size: 2 },
          { price: 99, size: 1 },
        ],
        asks: [
          { price: 101, size: 3 },
          { price: 102, size: 1 },
        ],
      },
    ]);
    expect(checked.dropped).toEqual(['bids[2]: price and size must be positive finite numbers']);
  });

  it('refuses a crossed book and a book without sides; stamps a missing time with ours', () => {
    expect(() => checkOrderBook({ bids: [[101, 1]], asks: [[100, 1]] }, 5, T)).toThrow(/crossed order book/);
    expect(() => checkOrderBook({ bids: [] }, 5, T)).toThrow(MalformedResponseError);
    expect(checkOrderBook({ bids: [], asks: [] }, 5, T).items[0]).toMatchObject({
      timestamp: T,
      sequence: null,
    });
  });
});

describe('checkTrades', () => {
  it('keeps well-formed trades in time order and drops the rest', () => {
    const checked = checkTrades([
      { id: 'b', timestamp: T + 2, price: 10, amount: 1, side: 'sell' },
      { id: 'a', timestamp: T + 1, price: 10, amount: 2, side: 'buy' },
      { id: 'c', timestamp: T + 3, price: 10, amount: 1, side: undefined },
      { id: 'd', timestamp: undefined, price: 10, amount: 1, side: 'buy' },
      'junk',
    ]);
    expect(checked.items.map((trade) => trade.id)).toEqual(['a', 'b']);
    expect(checked.dropped).toEqual([
      'trade 2: side must be buy or sell',
      'trade 3: no valid timestamp',
      'trade 4: not an object',
    ]);
    expect(() => checkTrades(null)).toThrow(MalformedResponseError);
  });
});

describe('finiteField', () => {
  it('reads finite numbers only', () => {
    expect(finiteField({ fundingRate: 0.0001 }, 'fundingRate')).toBe(0.0001);
    expect(finiteField({ fundingRate: Number.NaN }, 'fundingRate')).toBeNull();
    expect(finiteField(undefined, 'fundingRate')).toBeNull();
  });
});
