import { afterAll, beforeAll } from '@jest/globals';
import request from 'supertest';
import { ResultFormatter } from '@app/confluence';
import type { Timeframe } from '@app/contracts';
import { renderStoredResult } from '@app/gateway';
import { ResultRepository, SignalRepository, type StoredResult } from '@app/persistence';
import { MARKET_FILES } from '@app/testing';
import {
  BOOT_TIMEOUT_MS,
  type ErrorBody,
  type LocalGateway,
  rateLimitPatches,
  SHORT_REPLAY,
  startLocalGateway,
  testApiKey,
} from '../gateway-kit.js';

/**
 * The app of test/gateway-rest.e2e-spec.ts: local mode over a short replay (market-data →
 * worker → store → gateway), two API keys, rate limits too high to answer 429, and what the
 * tests compare the REST answers with: the results as the repository stores them.
 */

export const alpha = testApiKey('alpha');
export const beta = testApiKey('beta');
/** Replayed markets: BTC 1m/5m and LTC 1m score; ETH 1m gets 30 candles, fewer than the warm-up. */
const ETH_FILE = 'ETH-USDT_1m_2021-02-19_binance.csv';
export const ETH_CANDLES = 30;

/** The CLI's indicator names (README, "Indicator export and scoring CLI"). */
export const CLI_INDICATORS = [
  'SMA_20',
  'EMA_9',
  'EMA_21',
  'EMA_50',
  'RSI_14',
  'MACD_12_26_9_macd',
  'MACD_12_26_9_signal',
  'MACD_12_26_9_hist',
  'BB_20_2_upper',
  'BB_20_2_middle',
  'BB_20_2_lower',
  'ATR_14',
  'ADX_14',
  'PLUS_DI_14',
  'MINUS_DI_14',
  'STOCH_14_3_3_k',
  'STOCH_14_3_3_d',
  'WILLR_14',
  'CCI_20',
  'ROC_10',
  'OBV',
  'MFI_14',
  'AO_5_34',
];

export interface HistoryBody {
  readonly items: readonly Record<string, unknown>[];
  readonly nextCursor: string | null;
}

export function fieldsOf(body: ErrorBody): string[] {
  return (body.errors ?? []).map((issue) => issue.field).sort();
}

export const iso = (ms: number): string => new Date(ms).toISOString();
export const candleTimeOf = (item: Record<string, unknown>): number => Date.parse(String(item.candleTime));

/** A stored result as the one formatter renders it (what REST must answer for it). */
export const rendered = (stored: StoredResult): Record<string, unknown> =>
  renderStoredResult(stored, new ResultFormatter());

/** The score as REST shows it (the full shape rounds to 4 decimals). */
export const scoreOf = (stored: StoredResult): unknown => rendered(stored).score;

export const asRest = (stored: StoredResult): Record<string, unknown> => ({
  ...rendered(stored),
  source: 'replay',
});

export interface RestGateway {
  api(): ReturnType<typeof request>;
  storedLatest(exchange: string, symbol: string, timeframe: Timeframe): Promise<StoredResult>;
  /** Every stored result of a stream, newest first, straight from the repository. */
  storedAll(exchange: string, symbol: string, timeframe: Timeframe): Promise<StoredResult[]>;
  signals(): SignalRepository;
}

/** Boots the app before the tests of the calling describe block and closes it after them. */
export function restGateway(): RestGateway {
  let gw: LocalGateway | undefined;

  beforeAll(async () => {
    gw = await startLocalGateway({
      files: [...SHORT_REPLAY, { file: MARKET_FILES.btc1m, limit: ETH_CANDLES, as: ETH_FILE }],
      apiKeys: [alpha, beta],
      patches: [
        ...rateLimitPatches({ default: 100_000, analyze: 100_000, indicators: 100_000 }),
        // Streams stay `warm` (not `stale`) for 100 intervals after the replay: no race with the clock.
        { file: 'monitoring.yaml', from: 'staleAfterIntervals: 3', to: 'staleAfterIntervals: 100' },
      ],
    });
  }, BOOT_TIMEOUT_MS);

  afterAll(async () => {
    await gw?.close();
  });

  const booted = (): LocalGateway => {
    if (gw === undefined) throw new Error('the gateway did not start');
    return gw;
  };
  const results = (): ResultRepository => booted().app.get(ResultRepository);

  return {
    api: () => request(booted().server),
    async storedLatest(exchange, symbol, timeframe) {
      const found = await results().latest({ exchange, symbol, timeframe });
      if (found === null) throw new Error(`no stored result for ${exchange} ${symbol} ${timeframe}`);
      return found;
    },
    async storedAll(exchange, symbol, timeframe) {
      const all: StoredResult[] = [];
      let cursor: string | undefined;
      do {
        const page = await results().history({
          market: { exchange, symbol, timeframe },
          limit: 1000,
          ...(cursor === undefined ? {} : { cursor }),
        });
        all.push(...page.items);
        cursor = page.nextCursor ?? undefined;
      } while (cursor !== undefined);
      return all;
    },
    signals: () => booted().app.get(SignalRepository),
  };
}
