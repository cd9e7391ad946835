import { COMPONENT_SUBSCORES } from '@app/contracts';
import type { Candle } from '../domain/market-data.types.js';
import type { ComponentContext, ComponentReading, ConfluenceComponent } from './component.types.js';
import { ReadingBuilder } from './reading-builder.js';
import { ratio, tanhScore } from './score-mapping.js';
import { log, sign } from '../domain/fast-math.js';

/** Candles over which volume flow is summed (OBV and A/D slopes, relative volume baseline). */
export const VOLUME_WINDOW = 20;
/** Candles of the short-term volume delta. */
const DELTA_WINDOW = 5;

/**
 * Volume: does money flow confirm the move? OBV and A/D slopes are taken as their change over
 * the window (the sum of that window's signed volumes) divided by the window's volume.
 */
export class VolumeComponent implements ConfluenceComponent {
  readonly name = 'volume' as const;

  constructor(private readonly window = VOLUME_WINDOW) {}

  evaluate(context: ComponentContext): ComponentReading {
    const { indicators: ind, names, candles } = context;
    const reading = new ReadingBuilder(this.name);
    const last = candles.at(-1);
    if (last === undefined) {
      for (const name of COMPONENT_SUBSCORES.volume) reading.miss(name, 'no candles');
      return reading.build();
    }
    const recent = candles.slice(-(this.window + 1));
    const enough = recent.length > this.window;
    const windowVolume = sum(recent.slice(1), (c) => c.volume);

    // OBV slope (Granville 1963): net signed volume over the window as a share of its volume.
    if (!enough) reading.miss('obv', 'not enough candles');
    else {
      const x = ratio(signedVolume(recent), windowVolume);
      reading.add('obv', tanhScore(x, 0.5), x, { obv: ind.get(names.obv), windowVolume });
    }

    const cmf = ind.get(names.cmf);
    // Chaikin Money Flow: ±0.25 is conventionally strong accumulation/distribution.
    if (cmf === null) reading.miss('cmf', 'indicator not warm yet');
    else reading.add('cmf', tanhScore(cmf, 0.25), cmf / 0.25, { cmf });

    // A/D line slope (Chaikin): its change over the window, per unit of window volume.
    const longer = candles.slice(-3 * this.window);
    if (!enough) reading.miss('adLine', 'not enough candles');
    else {
      const x = ratio(
        sum(longer, moneyFlowVolume),
        sum(longer, (c) => c.volume),
      );
      reading.add('adLine', tanhScore(x, 0.25), x, { adLine: ind.get(names.adLine) });
    }

    // Relative volume confirms the candle's direction: log(volume / average) × body share.
    const average = enough ? windowVolume / this.window : 0;
    if (!enough || average <= 0 || last.volume <= 0) reading.miss('relativeVolume', 'no volume baseline');
    else {
      const relative = last.volume / average;
      const x = log(relative) * bodyShare(last);
      reading.add('relativeVolume', tanhScore(x, 1), x, { relativeVolume: relative, averageVolume: average });
    }

    const vwap = ind.get(names.vwap);
    const atr = ind.get(names.atr);
    // Price against the session VWAP (institutional benchmark), in ATRs.
    if (vwap === null || atr === null) reading.miss('vwapPosition', 'no session volume or ATR yet');
    else {
      const x = ratio(last.close - vwap, atr);
      reading.add('vwapPosition', tanhScore(x, 3), x, { vwap, close: last.close, atr });
    }

    // Volume delta estimated from candles (taker side unknown): volume × body/range, recent candles.
    const deltaCandles = candles.slice(-DELTA_WINDOW);
    const deltaVolume = sum(deltaCandles, (c) => c.volume);
    if (deltaCandles.length < DELTA_WINDOW || deltaVolume <= 0)
      reading.miss('volumeDelta', 'no recent volume');
    else {
      const x = sum(deltaCandles, (c) => c.volume * bodyShare(c)) / deltaVolume;
      reading.add('volumeDelta', tanhScore(x, 0.5), x, { deltaVolume });
    }

    return reading.used(last.timestamp + context.intervalMs).build();
  }
}

function sum(candles: readonly Candle[], value: (c: Candle) => number): number {
  let total = 0;
  for (const c of candles) total += value(c);
  return total;
}

/** Σ ±volume by close-to-close direction after the first candle: the OBV change over the window. */
function signedVolume(candles: readonly Candle[]): number {
  let total = 0;
  for (let i = 1; i < candles.length; i++) {
    const change = (candles[i] as Candle).close - (candles[i - 1] as Candle).close;
    total += sign(change) * (candles[i] as Candle).volume;
  }
  return total;
}

/** Chaikin's money-flow volume: volume × close location value ((C−L) − (H−C)) / (H−L). */
function moneyFlowVolume(c: Candle): number {
  const range = c.high - c.low;
  return range > 0 ? ((c.close - c.low - (c.high - c.close)) / range) * c.volume : 0;
}

/** (close − open) / (high − low) in −1..1; 0 for a candle without range. */
function bodyShare(c: Candle): number {
  const range = c.high - c.low;
  return range > 0 ? (c.close - c.open) / range : 0;
}
