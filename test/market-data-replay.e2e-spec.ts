import { afterAll, describe, expect, it } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { loadConfig } from '@app/config';
import { DataSource, EventBus, MarketEventName } from '@app/contracts';
import { createServiceApp, initServiceApp } from '@app/platform';
import {
  type ConfigFixture,
  createConfigFixture,
  eventually,
  httpServerOf,
  loadMarketCandles,
  MARKET_FILES,
  REPO_ROOT,
  STORE_TIMEOUT_PATCH,
} from '@app/testing';
import type { MarketDataStatus } from '@app/market';
import { marketDataService } from '../apps/market-data/src/market-data.definition.js';

/** Replay, the default in local mode: every candle of a bundled file, in order, once, labelled replay. */

let app: INestApplication | undefined;
let fixture: ConfigFixture | undefined;

afterAll(async () => {
  await app?.close();
  fixture?.cleanup();
});

describe('market-data replay', () => {
  it('publishes all candles of the configured file in order exactly once, labelled replay', async () => {
    fixture = createConfigFixture();
    fixture.patch('exchanges.yaml', 'speed: 60', 'speed: max');
    fixture.patch('exchanges.yaml', 'files: []', `files: [${MARKET_FILES.ltc1m}]`);
    const config = loadConfig({ env: { CONFIG_DIR: fixture.dir, DATA_DIR: `${REPO_ROOT}/data` } });
    app = await createServiceApp(config, marketDataService);
    const seen: { timestamp: number; close: number; source: string; market: string }[] = [];
    app.get(EventBus).subscribe(MarketEventName.CandleClosed, (event) => {
      seen.push({
        timestamp: event.candle.timestamp,
        close: event.candle.close,
        source: event.source,
        market: `${event.exchange} ${event.symbol} ${event.timeframe}`,
      });
    });
    await initServiceApp(app);

    const server = httpServerOf(app);
    let status: MarketDataStatus | undefined;
    await eventually(async () => {
      status = (await request(server).get('/health/market-data').expect(200)).body as MarketDataStatus;
      return status.replay?.finished === true;
    }, 'the replay to finish');

    const file = loadMarketCandles(MARKET_FILES.ltc1m);
    expect(status).toMatchObject({
      source: 'replay',
      status: 'ok',
      exchanges: [],
      replay: { finished: true },
    });
    expect(status?.replay?.published).toBe(file.length);
    expect(seen.map((event) => event.timestamp)).toEqual(file.map((candle) => candle.timestamp));
    expect(seen.map((event) => event.close)).toEqual(file.map((candle) => candle.close));
    expect(new Set(seen.map((event) => `${event.source} ${event.market}`))).toEqual(
      new Set([`${DataSource.Replay} binance LTC/USDT 1m`]),
    );
  });

  it('refuses to boot when a configured replay file is missing', async () => {
    const missing = createConfigFixture();
    missing.patch('exchanges.yaml', 'files: []', 'files: [BTC-USDT_1m_1999-01-01_binance.csv]');
    // The half-booted app's shutdown waits up to this for the store; keep it short.
    missing.patch('app.yaml', STORE_TIMEOUT_PATCH.to, 'operationTimeoutMs: 200');
    try {
      const config = loadConfig({ env: { CONFIG_DIR: missing.dir, DATA_DIR: `${REPO_ROOT}/data` } });
      const broken = await createServiceApp(config, marketDataService);
      await expect(broken.init()).rejects.toThrow(
        /replay: .*BTC-USDT_1m_1999-01-01_binance\.csv does not exist/,
      );
      await broken.close();
    } finally {
      missing.cleanup();
    }
  });
});
