import type { ExchangesConfig } from '@app/config';
import { listReplayFiles } from '@app/market';
import type { StreamRef } from './market-board.js';

/**
 * The streams market-data is configured to publish: the replay files' markets in replay, every
 * enabled exchange × symbol × timeframe live. Streams seen on the bus are added as they come.
 */
export function trackedStreams(
  source: 'replay' | 'live',
  exchanges: ExchangesConfig,
  dataDir: string,
): StreamRef[] {
  if (source === 'replay') {
    try {
      return listReplayFiles(dataDir, exchanges.replay.files).map(({ exchange, symbol, timeframe }) => ({
        exchange,
        symbol,
        timeframe,
      }));
    } catch {
      // market-data reports a missing replay file itself; the gateway still serves what it sees.
      return [];
    }
  }
  return exchanges.exchanges
    .filter((exchange) => exchange.enabled)
    .flatMap((exchange) =>
      exchange.symbols.flatMap((symbol) =>
        exchange.timeframes.map((timeframe) => ({ exchange: exchange.id, symbol, timeframe })),
      ),
    );
}
