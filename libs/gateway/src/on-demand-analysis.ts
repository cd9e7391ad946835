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
import {
  type Clock,
  errorMessage,
  type FieldIssue,
  InputError,
  type LogSink,
  StoreUnavailableError,
  type Timeframe,
  timeframeToMs,
} from '@app/contracts';
import { normalizeSymbol } from '@app/contracts/dto';
import { type ResultRepository, storedResult } from '@app/persistence';
import type { MarketBoard } from './market-board.js';

export type OnDemandOutcome =
  | { readonly ok: true; readonly result: ConfluenceResult; readonly full: FullResult }
  | { readonly ok: false; readonly issues: readonly FieldIssue[] };

/** What storing a posted result needs (the gateway wires the store and the board). */
export interface OnDemandStore {
  readonly board: Pick<MarketBoard, 'knows'>;
  readonly results: Pick<ResultRepository, 'save'>;
  readonly clock: Clock;
  readonly logger: LogSink;
}

/** POST analyze's body: a client's market (exchange `custom` when unnamed) and its data. */
export interface PostedAnalysis extends Omit<CandleAnalysisRequest, 'exchange'> {
  readonly exchange?: string | undefined;
  /** Keep the result in the market's history (never for a market the service tracks itself). */
  readonly store?: boolean | undefined;
}

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
    private readonly store?: OnDemandStore,
  ) {}

  /**
   * POST analyze: the full result as GET latest shows it, `source: 'client'`, and whether it was
   * stored. Bad input is an InputError naming the fields; a store that fails is a
   * StoreUnavailableError (the client learns the result was not kept, the log why).
   */
  async analyzeAndStore(posted: PostedAnalysis): Promise<Record<string, unknown>> {
    const { exchange = 'custom', store, ...data } = posted;
    const symbol = normalizeSymbol(posted.symbol);
    const outcome = this.analyze({ ...data, exchange, symbol });
    if (!outcome.ok) throw new InputError(outcome.issues);
    if (store !== true) return { ...outcome.full, source: 'client', stored: false };
    const { result } = outcome;
    if (this.store === undefined) throw new Error('OnDemandAnalysis was built without a store');
    const { board, results, clock, logger } = this.store;
    if (board.knows(result))
      throw new InputError(
        [
          {
            field: 'store',
            message: `${exchange} ${symbol} ${result.timeframe} is tracked by the service; its history holds only the service's own results (use another exchange name)`,
          },
        ],
        'invalid input: store',
      );
    try {
      await results.save(storedResult(result), clock.now());
    } catch (error) {
      logger.warn(
        `POST analyze: storing ${exchange} ${symbol} ${result.timeframe} failed: ${errorMessage(error)}`,
      );
      throw new StoreUnavailableError('the store is unavailable: the result was computed but not stored', {
        cause: error,
      });
    }
    return { ...outcome.full, source: 'client', stored: true };
  }

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
