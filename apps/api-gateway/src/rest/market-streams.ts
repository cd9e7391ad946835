import { NotFoundException } from '@nestjs/common';
import { type Timeframe, TIMEFRAMES } from '@app/contracts';
import { normalizeSymbol } from '@app/contracts/dto';
import type { LatestResults, MarketBoard, StreamRef } from '@app/gateway';

/**
 * Resolves a path's market (and optional timeframe) to a stream, or a 404 naming what is unknown.
 * Known streams are the tracked ones and those seen on the bus; a stream a client stored with
 * `POST analyze {"store": true}` is found in the store.
 */
export async function resolveStream(
  board: MarketBoard,
  latest: LatestResults,
  exchange: string,
  rawSymbol: string,
  timeframe: Timeframe | undefined,
): Promise<StreamRef> {
  const symbol = normalizeSymbol(rawSymbol);
  if (!board.knowsMarket(exchange, symbol)) {
    // One store query over the named timeframe, or every timeframe (the shortest stored wins).
    const candidates = (timeframe === undefined ? TIMEFRAMES : [timeframe]).map((tf) => ({
      exchange,
      symbol,
      timeframe: tf,
    }));
    const found = await latest.getMany(candidates);
    const stored = candidates.find((_, index) => found[index] != null);
    if (stored !== undefined) return stored;
    throw new NotFoundException(
      `unknown market ${exchange} ${symbol} (GET /v1/markets lists the tracked ones)`,
    );
  }
  const chosen = timeframe ?? board.defaultTimeframe(exchange, symbol);
  if (chosen === null || !board.knows({ exchange, symbol, timeframe: chosen }))
    throw new NotFoundException(`${exchange} ${symbol} is not tracked on ${timeframe ?? 'any timeframe'}`);
  return { exchange, symbol, timeframe: chosen };
}
