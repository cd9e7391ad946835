import { COMPONENT_SUBSCORES } from '@app/contracts';
import type { ComponentContext, ComponentReading, ConfluenceComponent } from './component.types.js';
import { ReadingBuilder } from './reading-builder.js';
import { imbalance, ratio, tanhScore } from './score-mapping.js';

const NOT_WARM = 'indicator not warm yet';

/**
 * Classic technical indicators, each read as momentum/trend (above 50 bullish). Readings in price
 * units (MACD, AO, averages) are divided by ATR so one mapping fits every market and price level.
 */
export class TechnicalComponent implements ConfluenceComponent {
  readonly name = 'technical' as const;

  evaluate(context: ComponentContext): ComponentReading {
    const { indicators: ind, names } = context;
    const reading = new ReadingBuilder(this.name);
    const last = context.candles.at(-1);
    if (last === undefined) {
      for (const name of COMPONENT_SUBSCORES.technical) reading.miss(name, 'no candles');
      return reading.build();
    }
    const atr = ind.get(names.atr);
    const close = last.close;

    const rsi = ind.get(names.rsi);
    // RSI centreline: above 50 is bullish momentum (Wilder 1978); ±20 points reaches ≈ 88/12.
    if (rsi === null) reading.miss('rsi', NOT_WARM);
    else reading.add('rsi', tanhScore(rsi - 50, 20), (rsi - 50) / 20, { rsi });

    const histogram = ind.get(names.macdHistogram);
    // MACD histogram (Appel 1979) in ATRs: a quarter ATR of separation is a strong reading.
    if (histogram === null || atr === null) reading.miss('macd', NOT_WARM);
    else {
      const x = ratio(histogram, atr);
      const inputs = { macd: ind.get(names.macd), signal: ind.get(names.macdSignal), histogram, atr };
      reading.add('macd', tanhScore(x, 0.25), x, inputs);
    }

    const ao = ind.get(names.awesomeOscillator);
    // Awesome Oscillator (Williams 1995) in ATRs: above zero is bullish momentum.
    if (ao === null || atr === null) reading.miss('awesomeOscillator', NOT_WARM);
    else {
      const x = ratio(ao, atr);
      reading.add('awesomeOscillator', tanhScore(x, 1), x, { awesomeOscillator: ao, atr });
    }

    const willr = ind.get(names.williamsR);
    // Williams %R (−100..0) about its midline −50, read as momentum.
    if (willr === null) reading.miss('williamsR', NOT_WARM);
    else reading.add('williamsR', tanhScore(willr + 50, 25), (willr + 50) / 25, { williamsR: willr });

    const cci = ind.get(names.cci);
    // CCI (Lambert 1980): ±100 marks a strong move.
    if (cci === null) reading.miss('cci', NOT_WARM);
    else reading.add('cci', tanhScore(cci, 100), cci / 100, { cci });

    const adx = ind.get(names.adx);
    const plusDi = ind.get(names.plusDi);
    const minusDi = ind.get(names.minusDi);
    // Directional movement (Wilder 1978): DI balance scaled by trend strength (ADX 25 = trending).
    if (adx === null || plusDi === null || minusDi === null) reading.miss('adx', NOT_WARM);
    else {
      const x = imbalance(plusDi, minusDi) * (adx / 25);
      reading.add('adx', tanhScore(x, 1), x, { adx, plusDi, minusDi });
    }

    const fast = ind.get(names.fastAverage);
    // Keltner-style displacement (Keltner 1960, ATR bands): close against the fast average, in ATRs.
    if (atr === null || fast === null) reading.miss('atr', NOT_WARM);
    else {
      const x = ratio(close - fast, atr);
      reading.add('atr', tanhScore(x, 2), x, { atr, close, fastAverage: fast });
    }

    const k = ind.get(names.stochasticK);
    const d = ind.get(names.stochasticD);
    // Slow stochastic (Lane 1984): %K about 50 plus the %K − %D cross.
    if (k === null || d === null) reading.miss('stochastic', NOT_WARM);
    else {
      const x = (k - 50 + (k - d)) / 25;
      reading.add('stochastic', tanhScore(x, 1), x, { k, d });
    }

    const slow = ind.get(names.slowAverage);
    // Moving-average trend: fast − slow average in ATRs (the crossover, made continuous).
    if (fast === null || slow === null || atr === null) reading.miss('movingAverages', NOT_WARM);
    else {
      const x = ratio(fast - slow, atr);
      reading.add('movingAverages', tanhScore(x, 1), x, { fastAverage: fast, slowAverage: slow, atr });
    }

    return reading.used(last.timestamp + context.intervalMs).build();
  }
}
