import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { MARKET_FILES, loadMarketCandles } from '@app/testing';
import { type LocalGateway, rateLimitPatches, startLocalGateway, testApiKey } from './gateway-kit.js';

const key = testApiKey('alpha');
let gw: LocalGateway;
beforeAll(async () => {
  const t = Date.now();
  gw = await startLocalGateway({
    files: [
      { file: MARKET_FILES.btc1m, limit: 400 },
      { file: MARKET_FILES.btc5m, limit: 120 },
      { file: MARKET_FILES.ltc1m, limit: 400 },
      { file: MARKET_FILES.btc1m, limit: 30, as: 'ETH-USDT_1m_2021-02-19_binance.csv' },
      { file: MARKET_FILES.btc1m, limit: 0, as: 'XRP-USDT_1m_2021-02-19_binance.csv' },
    ],
    apiKeys: [key],
    patches: rateLimitPatches({ default: 10000, analyze: 10000, indicators: 10000 }),
  });
  console.log('boot', Date.now() - t);
}, 60_000);
afterAll(async () => { await gw.close(); });

describe('explore', () => {
  it('prints', async () => {
    const s = gw.server;
    const show = async (r: request.Test) => { const x = await r; console.log(x.req.method, x.req.path, x.status, JSON.stringify(x.headers).slice(0, 600), JSON.stringify(x.body).slice(0, 1500), x.text?.slice(0, 300)); return x; };
    await show(request(s).get('/v1/markets'));
    await show(request(s).get('/health/ready'));
    await show(request(s).get('/v1/confluence/binance/BTC-USDT'));
    await show(request(s).get('/v1/confluence/binance/BTC-USDT/history?limit=2'));
    await show(request(s).get('/v1/confluence?markets=binance:BTC-USDT,binance:ETH/USDT:1m,binance:BTC/USDT:5m'));
    await show(request(s).get('/v1/confluence/binance/BTC-USDT/history?cursor=zzz'));
    await show(request(s).get('/v1/confluence/binance/%E0%A4%A'));
    await show(request(s).get('/v1/confluence/binance/BTC-USDT?timeframe=1m&timeframe=5m'));
    await show(request(s).get('/v1/signals?limit=3'));
    await show(request(s).get('/v1/weights?symbol=BTC-USDT'));
    await show(request(s).post('/v1/indicators').set('X-API-Key', key.key).set('Content-Type', 'application/json').send('{"candles":[{"timestamp":0,"open":1,"high":1,"low":1,"close":1,"volume":1}]}'));
    await show(request(s).post('/v1/indicators').set('X-API-Key', key.key).set('Content-Type', 'application/json').set('Content-Encoding', 'gzip').send('garbage-not-gzip'));
    await show(request(s).post('/v1/indicators').set('X-API-Key', key.key).set('Content-Type', 'application/json').send('['.repeat(100000) + ']'.repeat(100000)));
    await show(request(s).post('/v1/indicators').set('X-API-Key', key.key).set('Content-Type', 'application/json').send('{"candles":' + '['.repeat(100000) + ']'.repeat(100000) + '}'));
    await show(request(s).post('/v1/confluence/analyze').set('X-API-Key', key.key).set('Content-Type', 'application/json').send('{"symbol":"BTC/USDT","candles":{"1m":' + '{"a":'.repeat(50000) + '1' + '}'.repeat(50000) + '}}'));
    await show(request(s).post('/v1/confluence/analyze').set('X-API-Key', key.key).set('Content-Type', 'application/json').send('{"__proto__":{"x":1},"symbol":"BTC/USDT","candles":{"1m":[]}}'));
    await show(request(s).post('/v1/confluence/analyze').set('X-API-Key', key.key).set('Content-Type', 'application/json').send('{"symbol":"BTC/USDT","orderBook":' + '{"bids":'.repeat(30000) + '1' + '}'.repeat(30000) + '}'));
    await show(request(s).post('/v1/confluence/analyze').set('X-API-Key', key.key).send({ symbol: 'BTC/USDT', exchange: 'mybot', store: true, candles: { '1m': loadMarketCandles(MARKET_FILES.btc1m, 500) } }));
    await show(request(s).get('/v1/confluence/mybot/BTC-USDT'));
    const m = await request(s).get('/metrics'); console.log(m.text.split('\n').filter((l) => l.startsWith('confluence_') && !/process|nodejs/.test(l)).slice(0, 40).join('\n'));
    const d = await request(s).get('/docs-json'); console.log(Object.keys((d.body as {paths: object}).paths), JSON.stringify((d.body as {components: object}).components).slice(0, 300));
    expect(1).toBe(1);
  }, 60_000);
});
