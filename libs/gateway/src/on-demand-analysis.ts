import {
  type Candle,
  type CandleAnalysisRequest,
  type ConfluenceEngine,
  EXPORT_INDICATORS,
  type FullResult,
  IndicatorPlan,
  type ResultFormatter,
  type ConfluenceResult,
} from '@app/confluence';
import { type Timeframe, timeframeToMs } from '@app/contracts';
import { type FieldIssue } from '@app/contracts/dto';

export type OnDemandOutcome =
  | { readonly ok: true; readonly result: ConfluenceResult; readonly full: FullResult }
  | { readonly ok: false; readonly issues: readonly FieldIssue[] };

/**
 * POST analyze and POST indicators: the engine over a client's own candles. Stateless per call
 * (a fresh engine state each time, built from the shared parts), and deterministic: the result is
 * as of the latest candle close in the request, so the same body always scores the same.
 */
export class OnDemandAnalysis {
  readonly #plan = new IndicatorPlan(EXPORT_INDICATORS);

  /** `engine`: one of its own (EngineFactory), whose streams hold nothing between calls. */
  constructor(
    private readonly engine: ConfluenceEngine,
    private readonly formatter: ResultFormatter,
  ) {}

  analyze(request: CandleAnalysisRequest): OnDemandOutcome {
    let asOf = 0;
    for (const [timeframe, candles] of Object.entries(request.candles)) {
      const last = candles.at(-1);
      if (last !== undefined) asOf = Math.max(asOf, last.timestamp + timeframeToMs(timeframe as Timeframe));
    }
    const outcome = this.engine.analyzeCandles(request, asOf);
    if (outcome.status === 'rejected')
      return { ok: false, issues: [{ field: outcome.field, message: outcome.detail }] };
    if (outcome.status === 'warming-up')
      return {
        ok: false,
        issues: [
          {
            field: 'candles',
            message: `too few candles to score: the engine needs at least ${outcome.required} in a timeframe (got ${outcome.candles})`,
          },
        ],
      };
    return { ok: true, result: outcome.result, full: this.formatter.full(outcome.result) };
  }

  /** Every exported indicator series over the candles (the CLI's names), null before warm-up. */
  indicators(candles: readonly Candle[]): {
    length: number;
    indicators: Readonly<Record<string, readonly (number | null)[]>>;
  } {
    return { length: candles.length, indicators: this.#plan.computeSeries(candles) };
  }
}
