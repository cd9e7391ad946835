import type { ConfluenceResult } from '@app/confluence';
import {
  type Clock,
  type DataSource,
  errorMessage,
  type FieldIssue,
  InputError,
  isTimeMs,
  type LlmOpinion,
  type LogSink,
  NotFoundError,
  StoreUnavailableError,
  type StreamRef,
  type Timeframe,
} from '@app/contracts';
import { DAY_PATTERN } from '@app/contracts/dto';
import { type DailyCost, MAX_COST_RANGE_DAYS, ResultFormat, type StoredResult } from '@app/persistence';
import type { MarketBoard } from './market-board.js';
import type { ResultQueries } from './result-queries.js';

/** Today's spend against the daily cap (libs/llm's `LlmStatus['budget']`). */
export interface LlmBudget {
  readonly day: string;
  readonly spentUsd: number;
  readonly capUsd: number;
  readonly exhausted: boolean;
}

/** The model's opinions, as the gateway asks for them (libs/llm's LlmOpinions). */
export interface OpinionSource {
  opinionOf(result: ConfluenceResult): Promise<LlmOpinion>;
  /** Today's spend as the shared ledger says now (the last known when it is unreadable). */
  refreshBudget(): Promise<LlmBudget>;
}

/** Where an opinion goes: its stored result and the bus (libs/llm's OpinionPublisher). */
export interface OpinionSink {
  publish(result: ConfluenceResult, source: DataSource, opinion: LlmOpinion): Promise<void>;
}

export interface OpinionRequestsDeps {
  readonly opinions: OpinionSource;
  readonly publisher: OpinionSink;
  /** The daily cost ledger (LlmCostRepository). */
  readonly costs: { range(fromDay: string, toDay: string): Promise<DailyCost[]> };
  readonly clock: Clock;
  readonly logger: LogSink;
  /** The deployment's market data, for a stream the board has heard no event of since the start. */
  readonly defaultSource: DataSource;
}

/** GET /v1/llm/costs: the ledger of the days asked, summed, and today's budget. */
export interface CostReport {
  readonly from: string;
  readonly to: string;
  /** One ledger per day and model, by day then model; days without a request are absent. */
  readonly days: readonly DailyCost[];
  readonly totals: {
    readonly requests: number;
    readonly promptTokens: number;
    readonly completionTokens: number;
    readonly costUsd: number;
  };
  readonly budget: LlmBudget;
}

const DAY_MS = 86_400_000;

/** Epoch ms of a 'YYYY-MM-DD' day, or null when it is no calendar's day (2026-02-30). */
function dayStart(day: string): number | null {
  const time = DAY_PATTERN.test(day) ? Date.parse(`${day}T00:00:00Z`) : NaN;
  // Date.parse rolls 2026-02-30 over to March 2; the round trip catches it.
  return Number.isNaN(time) || new Date(time).toISOString().slice(0, 10) !== day ? null : time;
}

/**
 * What is wrong with a day of a cost range (`start` its `dayStart`), or null: no calendar's day,
 * or one before the time range every time field keeps to (time-range.ts; `YYYY` ends it at 9999).
 */
function dayFault(day: string, start: number | null): string | null {
  if (start === null) return `is not a day of the calendar: ${day}`;
  return isTimeMs(start) ? null : `must be 1970-01-01 or later: ${day}`;
}

/**
 * The LLM endpoints' rules: the opinion of a tracked market's latest result on demand, and the
 * cost ledger. A client's mistake is an InputError naming the field, an unknown market or a
 * missing result a NotFoundError, as for the result reads (ResultQueries).
 */
export class OpinionRequests {
  constructor(
    private readonly queries: Pick<ResultQueries, 'stream' | 'latest' | 'present'>,
    private readonly board: Pick<MarketBoard, 'knows' | 'sourceOf'>,
    private readonly deps: OpinionRequestsDeps,
  ) {}

  /**
   * Asks the model about the stream's latest result and publishes the opinion (every replica's
   * projection and socket room, and the stored result, get it), then answers the result as
   * GET latest renders it, opinion included, and the opinion.
   */
  async opinionOfLatest(
    exchange: string,
    symbol: string,
    timeframe?: Timeframe,
  ): Promise<{ result: Record<string, unknown>; llm: LlmOpinion }> {
    const stream = await this.queries.stream(exchange, symbol, timeframe);
    if (!this.board.knows(stream))
      throw new NotFoundError(
        `${stream.exchange} ${stream.symbol} ${stream.timeframe} is not tracked by the service; for your own ` +
          'candles, POST /v1/confluence/analyze with "llm": true',
      );
    const latest = await this.queries.latest(stream);
    if (latest.format !== ResultFormat.Domain)
      throw new NotFoundError(
        `the latest result of ${stream.exchange} ${stream.symbol} ${stream.timeframe} predates stored ` +
          'domain results and cannot be asked about; ask again after the next candle',
      );
    // The store and the bus hold what storedResult() wrote from a ConfluenceResult; its format says so.
    const result = latest.result as unknown as ConfluenceResult;
    const llm = await this.deps.opinions.opinionOf(result);
    await this.#publish(result, stream, llm);
    return { result: this.queries.present({ ...latest, llm } satisfies StoredResult), llm };
  }

  /**
   * The opinion is answered even when it cannot be published (the bus is down): the client paid
   * for it, and asking again is free while it is cached, which publishes it then.
   */
  async #publish(result: ConfluenceResult, stream: StreamRef, llm: LlmOpinion): Promise<void> {
    const source = this.board.sourceOf(stream) ?? this.deps.defaultSource;
    try {
      await this.deps.publisher.publish(result, source, llm);
    } catch (error) {
      this.deps.logger.error(
        `LLM opinion of ${stream.exchange} ${stream.symbol} ${stream.timeframe} answered but not published: ${errorMessage(error)}`,
      );
    }
  }

  /**
   * The ledger of `from` to `to` (UTC days, both included), summed: `to` defaults to today and
   * `from` to `to`, so `?to=2026-11-30` alone is that one day.
   */
  async costs(query: {
    readonly from?: string | undefined;
    readonly to?: string | undefined;
  }): Promise<CostReport> {
    const today = new Date(this.deps.clock.now()).toISOString().slice(0, 10);
    const to = query.to ?? today;
    const from = query.from ?? to;
    const [start, end] = [dayStart(from), dayStart(to)];
    const issues: FieldIssue[] = [];
    const [fromFault, toFault] = [dayFault(from, start), dayFault(to, end)];
    if (fromFault !== null) issues.push({ field: 'from', message: fromFault });
    if (toFault !== null) issues.push({ field: 'to', message: toFault });
    if (start === null || end === null || issues.length > 0) throw new InputError(issues);
    if (start > end)
      throw new InputError(
        [{ field: 'from', message: `must be ≤ to (${to}${query.to === undefined ? ', today' : ''})` }],
        'invalid input: from',
      );
    if ((end - start) / DAY_MS + 1 > MAX_COST_RANGE_DAYS)
      throw new InputError(
        [{ field: 'to', message: `must be within ${MAX_COST_RANGE_DAYS} days of from (both included)` }],
        'invalid input: to',
      );
    let days: DailyCost[];
    try {
      days = await this.deps.costs.range(from, to);
    } catch (error) {
      this.deps.logger.warn(
        `GET /v1/llm/costs ${from}..${to}: the ledger is unreadable: ${errorMessage(error)}`,
      );
      throw new StoreUnavailableError('the store is unavailable: the cost ledger could not be read', {
        cause: error,
      });
    }
    const totals = { requests: 0, promptTokens: 0, completionTokens: 0, costUsd: 0 };
    for (const day of days) {
      totals.requests += day.requests;
      totals.promptTokens += day.promptTokens;
      totals.completionTokens += day.completionTokens;
      totals.costUsd += day.costUsd;
    }
    return { from, to, days, totals, budget: await this.deps.opinions.refreshBudget() };
  }
}
