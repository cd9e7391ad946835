import type { ComponentName, ValidationSample } from '@app/contracts';
import type { AnalysisUpdate } from './analysis.types.js';

/**
 * The forward-validation sample of a candle result (ADR 0019): its close, score, label and each
 * component's score on the result's own timeframe. Null for a refresh (never stored) and for an
 * update that does not carry its candle's close.
 */
export function validationSampleOf(update: AnalysisUpdate): ValidationSample | null {
  if (update.trigger !== 'candle' || update.close === undefined) return null;
  const { result } = update;
  const components: Partial<Record<ComponentName, number>> = {};
  for (const frame of result.timeframes) {
    if (frame.timeframe !== result.timeframe) continue;
    for (const component of frame.components)
      if (component.score !== null) components[component.component] = component.score;
  }
  return {
    exchange: result.exchange,
    symbol: result.symbol,
    timeframe: result.timeframe,
    candleTime: result.candleTime,
    close: update.close,
    score: result.score,
    label: result.label,
    components,
    inputHash: result.inputHash,
  };
}
