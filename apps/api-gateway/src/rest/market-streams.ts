import { NotFoundException } from '@nestjs/common';
import { normalizeSymbol, type Timeframe } from '@app/contracts';
import type { MarketBoard, StreamRef } from '@app/gateway';

/** Resolves a path's market (and optional timeframe) to a known stream, or a 404 naming it. */
export function resolveStream(
  board: MarketBoard,
  exchange: string,
  rawSymbol: string,
  timeframe: Timeframe | undefined,
): StreamRef {
  const symbol = normalizeSymbol(rawSymbol);
  if (!board.knowsMarket(exchange, symbol))
    throw new NotFoundException(
      `unknown market ${exchange} ${symbol} (GET /v1/markets lists the tracked ones)`,
    );
  const chosen = timeframe ?? board.defaultTimeframe(exchange, symbol);
  if (chosen === null || !board.knows({ exchange, symbol, timeframe: chosen }))
    throw new NotFoundException(`${exchange} ${symbol} is not tracked on ${timeframe ?? 'any timeframe'}`);
  return { exchange, symbol, timeframe: chosen };
}
