import { MarketAnalyzer, type MarketEvent } from '@app/analysis';
import type { ConfigShape, IndicatorsConfig, WeightsConfig } from '@app/config';
import {
  type Candle,
  candleProblem,
  type ConfluenceResult,
  createConfluenceEngine,
  renormalise,
  ScoreCalculator,
  type TimeframeScore,
  type WeightSet,
} from '@app/confluence';
import {
  COMPONENT_NAMES,
  COMPONENT_SUBSCORES,
  type ComponentName,
  DataSource,
  InputError,
  MarketEventName,
  type Timeframe,
  timeframeToMs,
} from '@app/contracts';
import { validateBusEvent } from '@app/contracts/dto';
import { type BacktestMarket, type BacktestRow, type MarketRows, subScoreKey } from './backtest.types.js';

/** The scoring configuration a backtest runs with (the worker's, or another weights file's). */
export interface BacktestConfig {
  readonly indicators: ConfigShape<IndicatorsConfig>;
  readonly weights: ConfigShape<WeightsConfig>;
}

/** The first candle the engine would refuse (unaligned open time, broken envelope), by index. */
export function firstCandleProblem(
  candles: readonly Candle[],
  timeframe: Timeframe,
): { readonly index: number; readonly message: string } | null {
  for (let i = 0; i < candles.length; i++) {
    const problem = candleProblem(candles[i] as Candle, timeframe);
    if (problem !== null) return { index: i, message: problem };
  }
  return null;
}

/**
 * Streams each market's candles through a MarketAnalyzer on the data clock, one closed-candle event
 * at a time — the worker's path for replayed candles, not `analyzeCandles`' batch path — and keeps
 * one row per scored candle. Each market has its own engine, so markets cannot see each other.
 */
export function runBacktest(markets: readonly BacktestMarket[], config: BacktestConfig): MarketRows[] {
  return markets.map((market) => runMarket(market, config));
}

function runMarket(market: BacktestMarket, config: BacktestConfig): MarketRows {
  const { exchange, symbol, timeframe, candles } = market;
  const engine = createConfluenceEngine({ indicators: config.indicators, weights: config.weights });
  const analyzer = new MarketAnalyzer(
    { exchange, symbol },
    engine,
    // Candle events only, so no refresh ever runs; the interval is irrelevant.
    { refreshIntervalMs: timeframeToMs(timeframe), clock: 'data' },
  );
  const calculator = new ScoreCalculator();
  const interval = timeframeToMs(timeframe);
  const rows: BacktestRow[] = [];
  for (let i = 0; i < candles.length; i++) {
    const candle = candles[i] as Candle;
    const close = candle.timestamp + interval;
    // Validated as the bus validates what the worker receives (as `repair` feeds stored candles).
    const validated = validateBusEvent(MarketEventName.CandleClosed, {
      exchange,
      symbol,
      timeframe,
      source: DataSource.Replay,
      emittedAt: close,
      candle: { ...candle },
    });
    if (!validated.ok)
      throw new InputError([{ field: `${market.name}[${i}]`, message: validated.errors.join('; ') }]);
    const event: MarketEvent = { name: MarketEventName.CandleClosed, payload: validated.value };
    const output = analyzer.process([event], close);
    if (output.counts.skippedCandles > 0) {
      const problem = candleProblem(candle, timeframe) ?? 'refused by the engine';
      throw new InputError([{ field: `${market.name}[${i}]`, message: problem }]);
    }
    const update = output.updates[0];
    if (update !== undefined) rows.push(rowOf(update.result, i, candle.close, calculator));
  }
  const { required } = engine.readiness({ exchange, symbol, timeframe });
  return { market: { name: market.name, exchange, symbol, timeframe }, candles, rows, required };
}

function rowOf(
  result: ConfluenceResult,
  candleIndex: number,
  close: number,
  calculator: ScoreCalculator,
): BacktestRow {
  const own = result.timeframes.find((t) => t.timeframe === result.timeframe);
  if (own === undefined) throw new Error(`result of ${result.timeframe} has no score of its own timeframe`);
  const components = {} as Record<ComponentName, number | null>;
  const subScores: Record<string, number | null> = {};
  const leaveOneOut = {} as Record<ComponentName, number | null>;
  for (const component of COMPONENT_NAMES) {
    const scored = own.components.find((c) => c.component === component);
    components[component] = scored?.score ?? null;
    for (const name of COMPONENT_SUBSCORES[component])
      subScores[subScoreKey(component, name)] = scored?.subScores.find((s) => s.name === name)?.score ?? null;
    leaveOneOut[component] =
      scored?.available === true
        ? scoreWithout(component, own, result.weights, calculator)
        : // A component without data already carries no weight: leaving it out changes nothing.
          result.score;
  }
  return {
    time: result.candleTime,
    candleIndex,
    close,
    score: result.score,
    label: result.label,
    components,
    subScores,
    leaveOneOut,
  };
}

/**
 * The engine's score of the same readings with `component`'s weight at 0: the weights renormalised
 * as WeightManager builds them from such a config, then ScoreCalculator's own scoring and
 * timeframe combination. Null when no other component had data (the engine would have no score).
 */
function scoreWithout(
  component: ComponentName,
  own: TimeframeScore,
  weights: WeightSet,
  calculator: ScoreCalculator,
): number | null {
  if (!own.components.some((c) => c.available && c.component !== component)) return null;
  const without: WeightSet = {
    ...weights,
    components: renormalise({ ...weights.components, [component]: 0 }),
  };
  const readings = own.components.map((c) => ({
    component: c.component,
    subScores: c.subScores,
    missing: c.missing,
    oldestInput: null,
  }));
  const scored = calculator.scoreTimeframe({
    timeframe: own.timeframe,
    candleTime: own.candleTime,
    readings,
    weights: without,
    now: 0,
  });
  if (scored === null) return null;
  return calculator.combine([scored], without)?.score ?? null;
}
