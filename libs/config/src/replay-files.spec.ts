import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { loadConfig } from './load-config.js';
import { configuredStreams, listReplayFiles } from './replay-files.js';

const PROJECT_CONFIG = join(import.meta.dirname, '../../../config');
const exchanges = loadConfig({ env: { NODE_ENV: 'test', CONFIG_DIR: PROJECT_CONFIG } }).exchanges;

let dataDir: string;

beforeEach(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'replay-files-'));
});

afterEach(() => {
  rmSync(dataDir, { recursive: true, force: true });
});

describe('configuredStreams', () => {
  it('in replay: the markets the data directory’s candle files are named after, in name order', () => {
    for (const name of [
      'LTC-USDT_5m_2020-11-08_binance.csv',
      'BTC-USDT_1m_2021-02-19_binance.csv',
      'README.md',
    ])
      writeFileSync(join(dataDir, name), '');

    expect(configuredStreams('replay', exchanges, dataDir)).toEqual([
      { exchange: 'binance', symbol: 'BTC/USDT', timeframe: '1m' },
      { exchange: 'binance', symbol: 'LTC/USDT', timeframe: '5m' },
    ]);
  });

  it('in replay with no usable files: none (market-data reports the problem at its own boot)', () => {
    expect(configuredStreams('replay', exchanges, dataDir)).toEqual([]);
    expect(configuredStreams('replay', exchanges, join(dataDir, 'missing'))).toEqual([]);
  });

  it('live: every enabled exchange × symbol × timeframe of exchanges.yaml, without reading files', () => {
    const streams = configuredStreams('live', exchanges, join(dataDir, 'missing'));
    const enabled = exchanges.exchanges.filter((exchange) => exchange.enabled);

    expect(streams).toHaveLength(
      enabled.reduce((sum, exchange) => sum + exchange.symbols.length * exchange.timeframes.length, 0),
    );
    expect(streams).toContainEqual({ exchange: 'binance', symbol: 'LTC/USDT', timeframe: '5m' });
  });
});

describe('listReplayFiles', () => {
  it('refuses a configured file that is misnamed or missing, naming it', () => {
    expect(() => listReplayFiles(dataDir, ['notes.csv'])).toThrow(/notes\.csv is not named BASE-QUOTE/);
    expect(() => listReplayFiles(dataDir, ['BTC-USDT_1m_2021-02-19_binance.csv'])).toThrow(/does not exist/);
    expect(() => listReplayFiles(dataDir, [])).toThrow(/no candle files/);
  });
});
