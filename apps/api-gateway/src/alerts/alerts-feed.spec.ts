import { afterEach, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { AlertNotifier, type AlertTransport } from '@app/alerts';
import { InProcessEventBus } from '@app/bus';
import type { Signal, StreamRef } from '@app/contracts';
import { GatewayMetrics, LatestResults, MarketBoard } from '@app/gateway';
import { busEventFactory, eventually } from '@app/testing';
import { LoopbackReceiver } from '../../../../libs/alerts/src/testing/loopback-receiver.js';
import { loadNotifications } from '../../../../libs/alerts/src/testing/notifications-kit.js';
import { VirtualClock } from '../../../../libs/alerts/src/testing/virtual-clock.js';
import { GatewayFeed } from '../gateway-feed.service.js';
import { AlertsFeed } from './alerts-feed.service.js';

/**
 * The alerts as the gateway wires them: the real in-process bus (whose `publish` waits for every
 * handler, as in local mode), the gateway's own feed (latest-result projection, market board,
 * metrics) beside the alerts feed, and a notifier whose webhook never answers. Results must keep
 * being projected and counted, event by event, while the delivery is stuck.
 */

const T0 = Date.UTC(2024, 0, 1, 12);
const BTC: StreamRef = { exchange: 'binance', symbol: 'BTC/USDT', timeframe: '1m' };
const quiet = { log: () => undefined, warn: () => undefined, error: () => undefined };
const stops: (() => Promise<void>)[] = [];

beforeAll(() => {
  // The feed's boot line ("alerts on: …") is for operators, not the test output.
  Logger.overrideLogger(false);
});

afterEach(async () => {
  for (const stop of stops.splice(0).reverse()) await stop();
  jest.useRealTimers();
});

function gatewayOf(
  rules: string,
  channel: string,
  options: { transport?: AlertTransport; enabled?: boolean } = {},
) {
  const { monitoring, secretOf } = loadNotifications(
    `  enabled: ${String(options.enabled ?? true)}\n  channels:\n    - ${channel}\n  rules:\n${rules}`,
    { HOOK_SECRET: 'whsec-0123456789abcdef0123456789' },
  );
  const clock = new VirtualClock(T0);
  const now = () => clock.now();
  const bus = new InProcessEventBus(quiet);
  const board = new MarketBoard([BTC], 3, now);
  const store = {
    latest: jest.fn(() => Promise.resolve(null)),
    latestForMarkets: jest.fn(() => Promise.resolve([])),
  };
  const latest = new LatestResults(store, now);
  const metrics = new GatewayMetrics(
    {
      board,
      sockets: () => ({ connections: 0, subscriptions: 0, rooms: 0 }),
      writes: () => ({ pending: 0, written: 0, dropped: 0, rejected: 0 }),
      now,
    },
    { processMetrics: false },
  );
  const notifier = new AlertNotifier(monitoring.notifications, {
    clock,
    logger: quiet,
    secretOf,
    ...(options.transport === undefined ? {} : { transport: options.transport }),
  });
  const feed = new GatewayFeed(bus, board, latest, metrics);
  const alerts = new AlertsFeed(bus, board, notifier, monitoring);
  feed.onApplicationBootstrap();
  alerts.onApplicationBootstrap();
  stops.push(async () => {
    await alerts.beforeApplicationShutdown();
    feed.onApplicationShutdown();
  });
  return { bus, board, latest, store, metrics, notifier, clock };
}

describe('AlertsFeed', () => {
  it('keeps results flowing, every one projected and counted, while a webhook delivery hangs', async () => {
    const receiver = await LoopbackReceiver.start();
    stops.push(() => receiver.close());
    receiver.answer([], 'hang');
    const { bus, board, latest, store, metrics, notifier } = gatewayOf(
      '    - { name: strong, type: score-cross, threshold: 70, direction: up, hysteresis: 5, channels: [hook] }\n' +
        '    - { name: flips, type: label-change, channels: [hook] }\n',
      `{ name: hook, type: webhook, url: '${receiver.url}/hook', secretEnv: HOOK_SECRET, delivery: { dedupeSeconds: 0, rateLimit: { limit: 1000, perSeconds: 60 }, queueSize: 1000 } }`,
    );
    const RESULTS = 40;
    for (let n = 0; n < RESULTS; n++) {
      const candleTime = T0 + n * 60_000;
      const score = n % 2 === 0 ? 60 : 80;
      const label: Signal = n % 2 === 0 ? 'NEUTRAL' : 'LONG';
      await bus.publish(
        'confluence.updated',
        busEventFactory.confluenceUpdated({ ...BTC, candleTime, score, label }),
      );
      await bus.publish(
        'signal.changed',
        busEventFactory.signalChanged({
          ...BTC,
          time: candleTime,
          from: n === 0 ? null : n % 2 === 0 ? 'LONG' : 'NEUTRAL',
          to: label,
          score,
        }),
      );
      if (n === 1)
        await eventually(() => receiver.requests.length === 1, 'the first delivery, stuck at the receiver');
    }

    // Every result heard by both feeds, none failing; the projection and the board have the last one.
    expect(bus.stats().delivered['confluence.updated']).toBe(2 * RESULTS);
    expect(bus.stats().handlerErrors).toEqual({});
    expect((await latest.get(BTC))?.candleTime).toBe(T0 + (RESULTS - 1) * 60_000);
    expect(store.latest).not.toHaveBeenCalled();
    expect(board.list()[0]?.lastResult?.candleTime).toBe(new Date(T0 + (RESULTS - 1) * 60_000).toISOString());
    expect(await metrics.registry.getSingleMetricAsString('confluence_results_total')).toContain(
      `confluence_results_total{exchange="binance",timeframe="1m",trigger="candle"} ${RESULTS}`,
    );
    // 20 upward crossings and 39 label changes fired; one delivery is on the wire, the rest wait.
    expect(notifier.status().fired).toEqual({ strong: RESULTS / 2, flips: RESULTS - 1 });
    expect(receiver.requests).toHaveLength(1);
    expect(notifier.status().channels[0]?.depth).toBe(RESULTS / 2 + RESULTS - 1);
  });

  it('looks at the streams’ ages every freshnessCheckSeconds and alerts a stale one once', async () => {
    jest.useFakeTimers({ doNotFake: ['setImmediate', 'nextTick', 'queueMicrotask'] });
    const sent: string[] = [];
    const transport: AlertTransport = (request) => {
      sent.push(request.body);
      return Promise.resolve({ status: 200, body: 'ok', retryAfter: null });
    };
    const { bus, clock, notifier } = gatewayOf(
      '    - { name: quiet, type: stale, afterSeconds: 120, channels: [hook] }\n',
      "{ name: hook, type: webhook, url: 'http://127.0.0.1:9/hook', secretEnv: HOOK_SECRET }",
      { transport },
    );
    await bus.publish('market.candle.closed', busEventFactory.candleClosed({ ...BTC }));

    await clock.advance(100_000);
    jest.advanceTimersByTime(10_000);
    expect(notifier.status().fired).toEqual({});
    await clock.advance(30_000);
    jest.advanceTimersByTime(10_000);
    jest.advanceTimersByTime(10_000);
    await eventually(() => sent.length === 1, 'the stale alert sent');

    expect(notifier.status().fired).toEqual({ quiet: 1 });
    expect(JSON.parse(sent[0] ?? '')).toMatchObject({
      rule: 'quiet',
      state: 'stale',
      facts: { ageSeconds: 130 },
    });
  });

  it('listens to nothing while notifications are off, and the notifier says it is off', async () => {
    const { bus, notifier } = gatewayOf(
      '    - { name: flips, type: label-change, channels: [hook] }\n',
      "{ name: hook, type: webhook, url: 'http://127.0.0.1:9/hook', secretEnv: HOOK_SECRET }",
      { enabled: false },
    );
    await bus.publish(
      'signal.changed',
      busEventFactory.signalChanged({ ...BTC, from: 'NEUTRAL', to: 'LONG' }),
    );

    expect(notifier.enabled).toBe(false);
    // Only the gateway's own feed heard it.
    expect(bus.stats().delivered['signal.changed']).toBe(1);
    expect(notifier.status()).toEqual({ fired: {}, channels: [] });
  });
});
