import { type Candle, InputError, type StreamRef } from '@app/contracts';
import type { CandleRepository } from '@app/persistence';
import { DEFAULT_PAGE } from './result-queries.js';

export interface CandlesRequest {
  readonly from?: number | undefined;
  readonly to?: number | undefined;
  readonly limit?: number | undefined;
}

/**
 * GET /v1/candles: the closed candles market-data stored for a stream (what charts draw under the
 * scores). The newest `limit` opened in [from, to], oldest first, in the shape POST analyze takes.
 */
export class CandleQueries {
  constructor(private readonly candles: Pick<CandleRepository, 'latest'>) {}

  async range(stream: StreamRef, request: CandlesRequest): Promise<Candle[]> {
    const { from, to, limit } = request;
    if (from !== undefined && to !== undefined && from > to)
      throw new InputError([{ field: 'from', message: 'must be ≤ to' }], 'invalid input: from');
    const { exchange, symbol, timeframe } = stream;
    // The newest up to `to`, then cut at `from`: a range longer than `limit` keeps its recent end.
    const stored = await this.candles.latest({ exchange, symbol, timeframe }, limit ?? DEFAULT_PAGE, to);
    return stored
      .filter((candle) => from === undefined || candle.timestamp >= from)
      .map(({ timestamp, open, high, low, close, volume }) => ({
        timestamp,
        open,
        high,
        low,
        close,
        volume,
      }));
  }
}
