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
  type LlmOpinion,
  type LogSink,
  StoreUnavailableError,
  type Timeframe,
  timeframeToMs,
} from '@app/contracts';
import { normalizeSymbol } from '@app/contracts/dto';
import { type ResultRepository, storedResult } from '@app/persistence';
import type { MarketBoard } from './market-board.js';
import { withOpinion } from './stored-result-view.js';

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

/** What asking the model about a posted result needs (the gateway wires libs/llm's LlmOpinions). */
export interface OnDemandOpinions {
  readonly opinions: { opinionOf(result: ConfluenceResult): Promise<LlmOpinion> };
  /** Where the opinion of a stored result is attached. */
  readonly results: Pick<ResultRepository, 'attachOpinion'>;
}

/** POST analyze's body: a client's market (exchange `custom` when unnamed) and its data. */
export interface PostedAnalysis extends Omit<CandleAnalysisRequest, 'exchange'> {
  readonly exchange?: string | undefined;
  /** Keep the result in the market's history (never for a market the service tracks itself). */
  readonly store?: boolean | undefined;
  /** Ask the model's opinion of the result (answered as `llm`, attached when stored). */
  readonly llm?: boolean | undefined;
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
    private readonly opinions?: OnDemandOpinions,
  ) {}

  /**
   * POST analyze: the full result as GET latest shows it, `source: 'client'`, whether it was
   * stored, and with `llm: true` the model's opinion of it (attached to the stored result too).
   * Bad input is an InputError naming the fields; a store that fails is a StoreUnavailableError
   * (the client learns the result was not kept, the log why).
   */
  async analyzeAndStore(posted: PostedAnalysis): Promise<Record<string, unknown>> {
    const { exchange = 'custom', store, llm, ...data } = posted;
    const symbol = normalizeSymbol(posted.symbol);
    const outcome = this.analyze({ ...data, exchange, symbol });
    if (!outcome.ok) throw new InputError(outcome.issues);
    const stored = store === true;
    if (stored) await this.#store(outcome.result);
    const answer = { ...outcome.full, source: 'client', stored };
    if (llm !== true) return answer;
    return withOpinion(answer, await this.#opinionOf(outcome.result, stored));
  }

  /**
   * The opinion of a posted result, attached to it when it was stored: straight to the store,
   * not through the bus (OpinionPublisher), since a client's stream has no socket room and no
   * projection to feed, and its source (`client`) is none the bus carries; and at once, so a
   * failure reaches the client, as the result's own store failure does.
   */
  async #opinionOf(result: ConfluenceResult, stored: boolean): Promise<LlmOpinion> {
    if (this.opinions === undefined) throw new Error('OnDemandAnalysis was built without opinions');
    const opinion = await this.opinions.opinions.opinionOf(result);
    if (!stored) return opinion;
    const { exchange, symbol, timeframe, candleTime } = result;
    let attached: boolean;
    try {
      attached = await this.opinions.results.attachOpinion(
        { exchange, symbol, timeframe },
        candleTime,
        opinion,
      );
    } catch (error) {
      this.store?.logger.warn(
        `POST analyze: attaching the LLM opinion of ${exchange} ${symbol} ${timeframe} failed: ${errorMessage(error)}`,
      );
      throw new StoreUnavailableError(
        'the store is unavailable: the result was stored, its LLM opinion was not (asking again reuses the cached opinion)',
        { cause: error },
      );
    }
    // Only a concurrent re-store of the candle with other inputs leaves nothing to attach to.
    if (!attached)
      this.store?.logger.warn(
        `POST analyze: the LLM opinion of ${exchange} ${symbol} ${timeframe} found no stored result with its inputs`,
      );
    return opinion;
  }

  async #store(result: ConfluenceResult): Promise<void> {
    const { exchange, symbol } = result;
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
