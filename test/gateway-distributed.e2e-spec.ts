import { describe, expect, it } from '@jest/globals';
import { loadConfig } from '@app/config';
import { createConfluenceEngine, ResultFormatter } from '@app/confluence';
import { AnalysisEventName } from '@app/contracts';
import { eventually, loadMarketCandles, MARKET_FILES, PROJECT_CONFIG_DIR } from '@app/testing';
import { BTC_1M, KEYS, LTC_5M, T0, twoGatewayCluster, update, WEIGHTS_LIMIT } from './gateway-cluster-kit.js';

/**
 * Two api-gateway replicas in distributed mode on the real Redis (test/gateway-cluster-kit.ts):
 * what each serves, Socket.IO delivery across replicas, and rate limits shared through Redis.
 * One cluster for the three tests: starting it (the embedded store and two gateway processes) is
 * what this suite costs.
 */

describe('api-gateway, two replicas on real Redis', () => {
  const {
    barrier,
    emitted,
    eventBus,
    gateway,
    publishSignal,
    signalsPublished,
    subscribeClient,
    url,
    weights,
  } = twoGatewayCluster();

  it('tracks the configured live markets on both replicas and reports Redis and the bus up', async () => {
    const expected = ['BTC/USDT', 'LTC/USDT'].flatMap((symbol) =>
      ['1m', '5m'].map((timeframe) => ({ exchange: 'binance', symbol, timeframe, status: 'waiting' })),
    );
    for (const index of [0, 1] as const) {
      const markets = (await (await fetch(url(index, '/v1/markets'))).json()) as {
        markets: { exchange: string; symbol: string; timeframe: string; status: string }[];
      };
      expect(
        markets.markets.map(({ exchange, symbol, timeframe, status }) => ({
          exchange,
          symbol,
          timeframe,
          status,
        })),
      ).toEqual(expected);

      const response = await fetch(url(index, '/health/ready'));
      expect(response.status).toBe(200);
      const body = (await response.json()) as {
        status: string;
        checks: Record<string, Record<string, unknown>>;
      };
      // Market data is degraded (no market-data process publishes candles); everything else is up.
      expect(body.status).toBe('degraded');
      expect(body.checks.store?.status).toBe('up');
      expect(body.checks.redis).toEqual({ status: 'up' });
      expect(body.checks.bus).toMatchObject({ status: 'up', transport: 'redis', rejected: 0 });
      expect(body.checks.marketData?.status).toBe('degraded');
    }
  });

  it('delivers every update exactly once to the subscribers of its stream on either replica', async () => {
    const onA = await subscribeClient(0, BTC_1M);
    const onB = await subscribeClient(1, BTC_1M, 'BTC-USDT');
    const otherOnB = await subscribeClient(1, LTC_5M);

    // 40 BTC 1m results and 8 LTC 5m results interleaved, and 4 BTC signal changes.
    const btc: string[] = [];
    const ltc: string[] = [];
    const btcSignals: string[] = [];
    for (let i = 0; i < 40; i += 1) {
      const time = T0 + i * 60_000;
      await eventBus().publish(AnalysisEventName.ConfluenceUpdated, update(BTC_1M, time));
      btc.push(`binance:BTC/USDT:1m ${String(time)}`);
      if (i % 5 === 4) {
        const ltcTime = T0 + i * 300_000;
        await eventBus().publish(AnalysisEventName.ConfluenceUpdated, update(LTC_5M, ltcTime));
        ltc.push(`binance:LTC/USDT:5m ${String(ltcTime)}`);
      }
      if (i % 10 === 9) {
        await publishSignal(BTC_1M, time);
        btcSignals.push(`binance:BTC/USDT:1m ${String(time)}`);
      }
    }
    await barrier();
    await eventually(
      () =>
        onA.updates.length >= btc.length &&
        onB.updates.length >= btc.length &&
        otherOnB.updates.length >= ltc.length &&
        onA.signals.length >= btcSignals.length &&
        onB.signals.length >= btcSignals.length,
      'every subscriber to receive its updates',
    );
    // Room for a duplicate to arrive, if any was sent.
    await new Promise((resolve) => setTimeout(resolve, 300));

    // Each client hears its own replica, which emits in bus order: every update once, in order.
    expect(onA.updates).toEqual(btc);
    expect(onA.signals).toEqual(btcSignals);
    expect(onB.updates).toEqual(btc);
    expect(onB.signals).toEqual(btcSignals);
    // The client on B subscribed to another stream got that stream only.
    expect({ updates: otherOnB.updates, signals: otherOnB.signals }).toEqual({ updates: ltc, signals: [] });

    // Each replica emitted each update to its own sockets once: one fan-out path, per replica.
    const [emittedA, emittedB] = [
      await emitted(0, 'confluence.updated'),
      await emitted(1, 'confluence.updated'),
    ];
    expect([emittedA, emittedB]).toEqual([btc.length + ltc.length, btc.length + ltc.length]);
    expect([await emitted(0, 'signal.changed'), await emitted(1, 'signal.changed')]).toEqual([
      signalsPublished(),
      signalsPublished(),
    ]);

    // Gateway A frozen: B keeps serving its own client meanwhile; A's client receives the updates,
    // in order, once A runs again and works through what the bus delivered while it was stopped.
    gateway(0).process.signal('SIGSTOP');
    const paused: string[] = [];
    try {
      for (let i = 40; i < 50; i += 1) {
        const time = T0 + i * 60_000;
        await eventBus().publish(AnalysisEventName.ConfluenceUpdated, update(BTC_1M, time));
        paused.push(`binance:BTC/USDT:1m ${String(time)}`);
      }
      await eventually(
        async () => (await emitted(1, 'confluence.updated')) === emittedB + paused.length,
        'gateway B to emit the updates',
      );
    } finally {
      gateway(0).process.signal('SIGCONT');
    }
    await barrier();
    await eventually(
      () => onA.updates.length >= btc.length + paused.length,
      "gateway A's client to receive what gateway B emitted",
    );
    await new Promise((resolve) => setTimeout(resolve, 300));

    expect(await emitted(0, 'confluence.updated')).toBe(emittedA + paused.length);
    expect(await emitted(1, 'confluence.updated')).toBe(emittedB + paused.length);
    expect(onA.updates).toEqual([...btc, ...paused]);
    expect(onB.updates).toEqual([...btc, ...paused]);
    expect(otherOnB).toEqual({ updates: ltc, signals: [] });
  });

  it('serves GET latest on both replicas from the bus: the published domain result, rendered, which the store does not hold', async () => {
    const config = loadConfig({ env: { NODE_ENV: 'test', CONFIG_DIR: PROJECT_CONFIG_DIR } });
    const candles = loadMarketCandles(MARKET_FILES.btc1m, 300);
    const closeOfLast = (candles.at(-1)?.timestamp ?? 0) + 60_000;
    // LTC/USDT 1m: a tracked stream no other test publishes results of.
    const outcome = createConfluenceEngine(config).analyzeCandles(
      { exchange: 'binance', symbol: 'LTC/USDT', candles: { '1m': candles } },
      closeOfLast,
    );
    if (outcome.status !== 'ready') throw new Error(`expected a result, got ${outcome.status}`);
    const { result } = outcome;
    const path = '/v1/confluence/binance/LTC-USDT?timeframe=1m';
    for (const index of [0, 1] as const) expect((await fetch(url(index, path))).status).toBe(404);

    // The event's compact fields are the fixture's; what the gateways project is its result.
    await eventBus().publish(AnalysisEventName.ConfluenceUpdated, {
      ...update(LTC_5M, result.candleTime),
      timeframe: '1m',
      result: { ...result },
    });

    const expected: unknown = JSON.parse(JSON.stringify(new ResultFormatter().full(result)));
    for (const index of [0, 1] as const) {
      let body: Record<string, unknown> = {};
      await eventually(
        async () => {
          const response = await fetch(url(index, path));
          body = response.status === 200 ? ((await response.json()) as Record<string, unknown>) : {};
          return response.status === 200;
        },
        `replica ${String(index)} to serve the projected result`,
      );
      const { source, ...rendered } = body;
      expect(rendered).toEqual(expected);
      expect(source).toBe('live');
      // GET history reads the store: nothing was stored (no worker runs here).
      const history = (await (
        await fetch(url(index, '/v1/confluence/binance/LTC-USDT/history?timeframe=1m'))
      ).json()) as {
        items: unknown[];
      };
      expect(history.items).toEqual([]);
    }
  });

  it('shares the per-route rate limit of a key across replicas, and gives another key its own', async () => {
    // Alternating replicas, alpha's first five requests pass; the sixth is refused wherever it lands.
    for (let i = 0; i < WEIGHTS_LIMIT; i += 1) {
      const response = await weights(i % 2 === 0 ? 0 : 1, KEYS.alpha);
      expect({ request: i + 1, status: response.status }).toEqual({ request: i + 1, status: 200 });
    }
    for (const index of [1, 0] as const) {
      const refused = await weights(index, KEYS.alpha);
      expect(refused.status).toBe(429);
      const retryAfter = Number(refused.headers.get('retry-after'));
      expect(Number.isInteger(retryAfter)).toBe(true);
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(60);
    }
    // The limit is per route: alpha still reads the markets.
    expect((await fetch(url(0, '/v1/markets'), { headers: { 'X-API-Key': KEYS.alpha } })).status).toBe(200);

    // beta has a budget of its own, shared across the replicas the same way.
    for (let i = 0; i < WEIGHTS_LIMIT; i += 1) {
      const response = await weights(i % 2 === 0 ? 1 : 0, KEYS.beta);
      expect({ request: i + 1, status: response.status }).toEqual({ request: i + 1, status: 200 });
    }
    const refused = await weights(0, KEYS.beta);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
  });
});
