import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { isTimeframe, type StreamRef, type Timeframe } from '@app/contracts';
import type { ExchangesConfig } from './schema/exchanges.schema.js';

/** One bundled candle file and the market it replays. */
export interface ReplayFile {
  readonly exchange: string;
  readonly symbol: string;
  readonly timeframe: Timeframe;
  readonly path: string;
}

/** `BTC-USDT_1m_2021-02-19_binance.csv` → binance BTC/USDT 1m (the naming of data/). */
export function parseReplayFileName(name: string): Omit<ReplayFile, 'path'> | null {
  const match = /^([A-Z0-9]+)-([A-Z0-9]+)_([0-9]+[mhdwM])_[0-9-]+_([a-z0-9]+)\.csv$/.exec(name);
  if (match === null) return null;
  const [, base, quote, timeframe, exchange] = match;
  if (base === undefined || quote === undefined || exchange === undefined || !isTimeframe(timeframe))
    return null;
  return { exchange, symbol: `${base}/${quote}`, timeframe };
}

/** The replay files of a data directory (the configured names, else every .csv), checked at boot. */
export function listReplayFiles(dataDir: string, configured: readonly string[]): ReplayFile[] {
  const names = configured.length > 0 ? [...configured] : csvFiles(dataDir);
  if (names.length === 0) throw new Error(`replay: no candle files in ${dataDir}`);
  return names.map((name) => {
    const market = parseReplayFileName(name);
    if (market === null)
      throw new Error(
        `replay: ${name} is not named BASE-QUOTE_timeframe_date_exchange.csv (as data/README.md says)`,
      );
    const path = join(dataDir, name);
    // Fail at boot, not minutes later, when a configured file is missing.
    if (!existsSync(path)) throw new Error(`replay: ${path} does not exist`);
    return { ...market, path };
  });
}

function csvFiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((name) => name.endsWith('.csv'))
    .sort();
}

/**
 * The streams market-data is configured to publish: the replay files' markets in replay, every
 * enabled exchange × symbol × timeframe live. One answer for every app (the gateway lists them
 * before their first result), derived here so no app reads market-data's files itself.
 */
export function configuredStreams(
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
      // market-data reports a missing replay file itself, at its boot; other apps see nothing.
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
