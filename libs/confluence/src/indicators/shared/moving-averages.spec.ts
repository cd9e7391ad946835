import { describe, it } from '@jest/globals';
import { EMA, SMA, WSMA } from 'trading-signals';
import { expectSameDoubles, MARKETS } from '../testing/indicator-kit.js';
import { SeededEma, SimpleAverage, WilderAverage } from './moving-averages.js';
import { trueRange } from './true-range.js';

describe.each(MARKETS)('the averages compute trading-signals’ doubles (%s)', (_name, candles) => {
  const closes = candles.map((c) => c.close);

  it('SimpleAverage is SMA', () => {
    const sma = new SMA(20);
    const mine = new SimpleAverage(20);
    expectSameDoubles(
      closes.map((x) => mine.add(x)),
      closes.map((x) => sma.add(x)),
    );
  });

  it('SeededEma is EMA fed the SMA of the first period as its first input', () => {
    const ema = new EMA(9);
    const seed = closes.slice(0, 9).reduce((s, x) => s + x, 0) / 9;
    const library = [
      ...closes.slice(0, 8).map(() => null),
      ema.add(seed),
      ...closes.slice(9).map((x) => ema.add(x)),
    ];
    const mine = new SeededEma(9);
    expectSameDoubles(
      closes.map((x) => mine.add(x)),
      library,
    );
  });

  it('WilderAverage is WSMA', () => {
    const ranges = candles.slice(1).map((c, i) => trueRange(c.high, c.low, candles[i]!.close));
    const wsma = new WSMA(14);
    const mine = new WilderAverage(14);
    expectSameDoubles(
      ranges.map((x) => mine.add(x)),
      ranges.map((x) => wsma.add(x)),
    );
  });
});
