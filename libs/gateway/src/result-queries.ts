import {
  InputError,
  isTimeframe,
  NotFoundError,
  type ResultProbability,
  type StreamRef,
  type Timeframe,
  TIMEFRAMES,
} from '@app/contracts';
import { MAX_MARKETS_PER_CALL, normalizeSymbol } from '@app/contracts/dto';
import type { Page, ResultRepository, SignalChange, SignalRepository, StoredResult } from '@app/persistence';
import type { ResultFormatter } from '@app/confluence';
import type { ProbabilityMaps } from '@app/validation';
import type { LatestResults } from './latest-results.js';
import type { MarketBoard } from './market-board.js';
import { renderStoredResult } from './stored-result-view.js';

/** Results a page holds when the client does not say. */
export const DEFAULT_PAGE = 100;
/** Signal changes listed when the client does not say. */
export const DEFAULT_SIGNALS = 100;

export interface SignalsRequest {
  readonly exchange?: string | undefined;
  readonly symbol?: string | undefined;
  readonly timeframe?: Timeframe | undefined;
  readonly since?: number | undefined;
  readonly limit?: number | undefined;
}

export interface HistoryRequest {
  readonly timeframe?: Timeframe | undefined;
  readonly from?: number | undefined;
  readonly to?: number | undefined;
  readonly limit?: number | undefined;
  readonly cursor?: string | undefined;
}

/**
 * The read side of REST: which stream a path names, its latest result, many at once, its history.
 * The rules live here, not in the controllers; a client's mistake is an InputError naming the
 * field, an unknown market or missing result a NotFoundError (the HTTP filter maps both).
 */
export class ResultQueries {
  constructor(
    private readonly board: MarketBoard,
    private readonly latestResults: LatestResults,
    private readonly results: Pick<ResultRepository, 'history'>,
    private readonly signals: Pick<SignalRepository, 'list'>,
    private readonly formatter: ResultFormatter,
    /** Forward validation's score → P(up) maps; without them results carry no `probability`. */
    private readonly probabilities?: ProbabilityMaps,
  ) {}

  /**
   * A path's market (and optional timeframe) as a stream. Known streams are the tracked ones and
   * those seen on the bus; a stream a client stored with `POST analyze {"store": true}` is found
   * in the store.
   */
  async stream(exchange: string, rawSymbol: string, timeframe?: Timeframe): Promise<StreamRef> {
    const symbol = normalizeSymbol(rawSymbol);
    if (!this.board.knowsMarket(exchange, symbol)) {
      // One store query over the named timeframe, or every timeframe (the shortest stored wins).
      const candidates = (timeframe === undefined ? TIMEFRAMES : [timeframe]).map((tf) => ({
        exchange,
        symbol,
        timeframe: tf,
      }));
      const found = await this.latestResults.getMany(candidates);
      const stored = candidates.find((_, index) => found[index] != null);
      if (stored !== undefined) return stored;
      throw new NotFoundError(
        `unknown market ${exchange} ${symbol} (GET /v1/markets lists the tracked ones)`,
      );
    }
    const chosen = timeframe ?? this.board.defaultTimeframe(exchange, symbol);
    if (chosen === null || !this.board.knows({ exchange, symbol, timeframe: chosen }))
      throw new NotFoundError(`${exchange} ${symbol} is not tracked on ${timeframe ?? 'any timeframe'}`);
    return { exchange, symbol, timeframe: chosen };
  }

  /** The latest result of a stream; NotFoundError while it is warming up. */
  async latest(stream: StreamRef): Promise<StoredResult> {
    const result = await this.latestResults.get(stream);
    if (result === null)
      throw new NotFoundError(
        `no result yet for ${stream.exchange} ${stream.symbol} ${stream.timeframe} (warming up)`,
      );
    return result;
  }

  /** `markets=exchange:symbol[:timeframe],…`: the latest result of each, null where none yet. */
  async many(markets: string): Promise<(StoredResult | null)[]> {
    const entries = markets.split(',');
    if (entries.length > MAX_MARKETS_PER_CALL)
      throw new InputError(
        [{ field: 'markets', message: `must name at most ${MAX_MARKETS_PER_CALL} markets` }],
        'too many markets',
      );
    const parsed = entries.map((entry, index) => {
      const [exchange = '', symbol = '', timeframe, ...rest] = entry.trim().split(':');
      if (
        exchange === '' ||
        symbol === '' ||
        rest.length > 0 ||
        (timeframe !== undefined && !isTimeframe(timeframe))
      )
        throw new InputError(
          [
            {
              field: `markets[${index}]`,
              message: `"${entry.slice(0, 60)}" is not exchange:symbol[:timeframe]`,
            },
          ],
          'invalid input: markets',
        );
      return { exchange, symbol, timeframe };
    });
    const streams = await Promise.all(
      parsed.map(({ exchange, symbol, timeframe }) => this.stream(exchange, symbol, timeframe)),
    );
    return this.latestResults.getMany(streams);
  }

  /** A page of a stream's results, newest first (a malformed cursor is the store's StoreInputError). */
  async history(stream: StreamRef, request: HistoryRequest): Promise<Page<StoredResult>> {
    const { from, to, limit, cursor } = request;
    if (from !== undefined && to !== undefined && from > to)
      throw new InputError([{ field: 'from', message: 'must be ≤ to' }], 'invalid input: from');
    return this.results.history({
      market: stream,
      limit: limit ?? DEFAULT_PAGE,
      ...(from === undefined ? {} : { from }),
      ...(to === undefined ? {} : { to }),
      ...(cursor === undefined ? {} : { cursor }),
    });
  }

  /** The signal history (label changes), newest first, filtered by whatever is given. */
  signalHistory(request: SignalsRequest): Promise<SignalChange[]> {
    const { exchange, symbol, timeframe, since, limit } = request;
    return this.signals.list({
      limit: limit ?? DEFAULT_SIGNALS,
      ...(exchange === undefined ? {} : { exchange }),
      ...(symbol === undefined ? {} : { symbol: normalizeSymbol(symbol) }),
      ...(timeframe === undefined ? {} : { timeframe }),
      ...(since === undefined ? {} : { since }),
    });
  }

  /**
   * A stored result as REST shows it: the full breakdown, where its data came from, and — once the
   * stream's probability maps are fitted — the probability of an up move by horizon.
   */
  present(result: StoredResult): Record<string, unknown> {
    const probability = this.probabilityOf(result, result.score);
    return {
      ...renderStoredResult(result, this.formatter),
      source: this.board.sourceOf(result),
      ...(probability === null ? {} : { probability }),
    };
  }

  /** P(up) by horizon for a score of the stream (null before its maps are first fitted). */
  probabilityOf(stream: StreamRef, score: number): ResultProbability | null {
    return this.probabilities?.probabilityOf(stream, score) ?? null;
  }

  /** Changes whenever `present` could show another probability for the same result (a refit). */
  get presentation(): number {
    return this.probabilities?.version ?? 0;
  }
}
