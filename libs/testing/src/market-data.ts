import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Candle } from '@app/confluence';
import { REPO_ROOT } from './spawned-process.js';

/** Candle shape of the bundled CSVs (`data/README.md`): the engine's Candle. */
export type CsvCandle = Candle;

export const MARKET_FILES = {
  btc1m: 'BTC-USDT_1m_2021-02-19_binance.csv',
  btc5m: 'BTC-USDT_5m_2021-02-19_binance.csv',
  ltc1m: 'LTC-USDT_1m_2020-11-08_binance.csv',
} as const;

export function marketDataPath(file: string): string {
  return path.join(REPO_ROOT, 'data', file);
}

/** Reads one of the bundled real-candle files (trusted input: no validation here). */
export function loadMarketCandles(file: string, limit = Infinity): CsvCandle[] {
  const lines = readFileSync(marketDataPath(file), 'utf8').trim().split('\n').slice(1);
  return lines.slice(0, limit).map((line) => {
    const [timestamp, open, high, low, close, volume] = line.split(',').map(Number) as [
      number,
      number,
      number,
      number,
      number,
      number,
    ];
    return { timestamp, open, high, low, close, volume };
  });
}

/**
 * The same candles reflected about price 100 (x → 200 − x): every rise a fall of the same size,
 * highs becoming lows. A bullish reading of the original is bearish of the mirror by symmetry.
 */
export function mirrorCandles(candles: readonly CsvCandle[]): CsvCandle[] {
  return candles.map((c) => ({
    ...c,
    open: 200 - c.open,
    high: 200 - c.low,
    low: 200 - c.high,
    close: 200 - c.close,
  }));
}

export interface ReplayDataDir {
  readonly dir: string;
  cleanup(): void;
}

/**
 * A throw-away DATA_DIR for replay: the first `limit` candles of bundled files, optionally under
 * another name (`as`, e.g. the same candles as another exchange's market), with the data's
 * attribution (data/README.md) alongside.
 */
export function createReplayDataDir(
  files: readonly {
    readonly file: string;
    /** Candles kept, counted from the first one (not from `skip`). */
    readonly limit: number;
    /** Leading candles left out (a second part of a replay). */
    readonly skip?: number;
    readonly as?: string;
  }[],
): ReplayDataDir {
  const dir = mkdtempSync(path.join(tmpdir(), 'confluence-data-'));
  copyFileSync(path.join(REPO_ROOT, 'data', 'README.md'), path.join(dir, 'README.md'));
  for (const { file, limit, skip = 0, as } of files) {
    const [header = '', ...rows] = readFileSync(marketDataPath(file), 'utf8').trim().split('\n');
    writeFileSync(path.join(dir, as ?? file), `${[header, ...rows.slice(skip, limit)].join('\n')}\n`);
  }
  return {
    dir,
    cleanup: () => {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
