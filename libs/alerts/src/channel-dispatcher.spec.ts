import { afterEach, describe, expect, it } from '@jest/globals';
import { Registry } from 'prom-client';
import type { Signal } from '@app/contracts';
import { registerAlertMetrics } from './alert-metrics.js';
import { AlertNotifier } from './alert-notifier.js';
import type { DeliveryView } from './delivery-log.js';
import { LoopbackReceiver, type ReceiverAnswer } from './testing/loopback-receiver.js';
import { loadNotifications } from './testing/notifications-kit.js';
import { VirtualClock } from './testing/virtual-clock.js';
// By path: the @app/testing barrel loads mongoose and the fakes, which these specs do not need.
import { eventually } from '../../testing/src/eventually.js';

/**
 * Delivery to a loopback receiver on a virtual clock: retries with backoff and jitter, timeouts,
 * refusals that are not retried, the dedupe window, the rate limit, the bounded queue, stopping,
 * and what is recorded, logged and counted — never a secret.
 */

const T0 = Date.UTC(2024, 0, 1, 12);
const SECRET = 'whsec-0123456789abcdef0123456789';
const TOKEN = '123456:AAbbCCddEEffGGhhIIjjKKllMM';

interface Running {
  readonly notifier: AlertNotifier;
  readonly receiver: LoopbackReceiver;
  readonly clock: VirtualClock;
  readonly warnings: string[];
  /** Fires the label-change rule: the n-th change, `from` → `to`. */
  readonly flip: (n: number, from: Signal, to: Signal) => void;
  readonly delivery: (index?: number) => DeliveryView;
}

const running: Running[] = [];

afterEach(async () => {
  for (const { notifier, receiver } of running.splice(0)) {
    await notifier.stop();
    await receiver.close();
  }
});

/** A notifier with one channel (`webhook` or `telegram`) to a fresh receiver, with these delivery settings. */
async function start(delivery: string, answers: readonly ReceiverAnswer[], otherwise?: ReceiverAnswer) {
  const receiver = await LoopbackReceiver.start();
  receiver.answer(answers, otherwise);
  const { notifications, secretOf } = loadNotifications(
    `  historySize: 10\n  channels:\n` +
      `    - { name: hook, type: webhook, url: '${receiver.url}/private/path', secretEnv: HOOK_SECRET, delivery: ${delivery} }\n` +
      `  rules:\n    - { name: flips, type: label-change, channels: [hook] }\n`,
    { HOOK_SECRET: SECRET },
  );
  return track(receiver, notifications, secretOf);
}

function track(
  receiver: LoopbackReceiver,
  notifications: ReturnType<typeof loadNotifications>['notifications'],
  secretOf: (variable: string) => string | undefined,
): Running {
  const clock = new VirtualClock(T0);
  const warnings: string[] = [];
  let ids = 0;
  const notifier = new AlertNotifier(notifications, {
    clock,
    logger: {
      log: () => undefined,
      warn: (line) => warnings.push(line),
      error: (line) => warnings.push(line),
    },
    secretOf,
    random: () => 0.5,
    newId: () => `d${++ids}`,
  });
  const flip = (n: number, from: Signal, to: Signal): void => {
    notifier.labelChanged({
      exchange: 'binance',
      symbol: 'BTC/USDT',
      timeframe: '1m',
      time: T0 + n * 60_000,
      from,
      to,
      score: 60,
      confidence: 40,
    });
  };
  const delivery = (index = 0): DeliveryView => {
    const found = notifier.deliveries({ limit: 100 }).at(-1 - index);
    if (found === undefined) throw new Error(`no delivery ${index}`);
    return found;
  };
  const run = { notifier, receiver, clock, warnings, flip, delivery };
  running.push(run);
  return run;
}

const requestsReach = (receiver: LoopbackReceiver, count: number) =>
  eventually(() => receiver.requests.length >= count, `${count} request(s) at the receiver`);

async function metricsOf(notifier: AlertNotifier): Promise<string[]> {
  const registry = new Registry();
  registerAlertMetrics(registry, () => notifier.status());
  return (await registry.metrics()).split('\n').filter((line) => line !== '' && !line.startsWith('#'));
}

describe('retries', () => {
  it('retries a 500 after backoff with jitter, then gives up, logs it without the URL path and counts it', async () => {
    const { notifier, receiver, clock, warnings, flip, delivery } = await start(
      '{ maxAttempts: 3, retryBaseMs: 1000, retryMaxMs: 30000 }',
      [],
      { status: 500, body: 'boom' },
    );
    flip(1, 'NEUTRAL', 'LONG');
    await requestsReach(receiver, 1);
    await eventually(() => delivery().status === 'retrying', 'the first failure recorded');

    // Full jitter at random 0.5: 500 ms after the first attempt (ceiling 1000), 1000 after the second (2000).
    await clock.advance(499);
    expect(receiver.requests).toHaveLength(1);
    await clock.advance(1);
    // Counted just as the backoff starts, so time moves only once no request is on the wire.
    await eventually(() => notifier.status().channels[0]?.retries === 2, 'the second backoff');
    await clock.advance(999);
    expect(receiver.requests).toHaveLength(2);
    await clock.advance(1);
    await requestsReach(receiver, 3);
    await eventually(() => delivery().status === 'failed', 'the delivery given up');

    expect(delivery()).toMatchObject({
      channel: 'hook',
      rule: 'flips',
      status: 'failed',
      attempts: 3,
      lastError: 'HTTP 500: boom',
      firedAt: '2024-01-01T12:00:00.000Z',
      updatedAt: '2024-01-01T12:00:01.500Z',
      deliveredAt: null,
    });
    expect(warnings).toEqual([
      `alert d1 to webhook channel hook (${receiver.url}/…) failed after 3 attempt(s): HTTP 500: boom — flips, binance BTC/USDT 1m`,
    ]);
    expect(await metricsOf(notifier)).toEqual(
      expect.arrayContaining([
        'confluence_alert_deliveries_total{channel="hook",outcome="failed"} 1',
        'confluence_alert_deliveries_total{channel="hook",outcome="delivered"} 0',
        'confluence_alert_delivery_retries_total{channel="hook"} 2',
        'confluence_alert_queue_depth{channel="hook"} 0',
        'confluence_alerts_fired_total{rule="flips"} 1',
      ]),
    );
  });

  it('does not retry a refusal (a 4xx other than 429)', async () => {
    const { receiver, flip, delivery } = await start('{ maxAttempts: 5 }', [], {
      status: 404,
      body: 'no such hook',
    });
    flip(1, 'NEUTRAL', 'LONG');
    await eventually(() => delivery().status === 'failed', 'the delivery given up');

    expect(receiver.requests).toHaveLength(1);
    expect(delivery()).toMatchObject({ attempts: 1, lastError: 'HTTP 404: no such hook' });
  });

  it('waits what a 429 asks in Retry-After (within the cap), then delivers, keeping why the first failed', async () => {
    const { receiver, clock, flip, delivery } = await start('{ maxAttempts: 3, retryMaxMs: 60000 }', [
      { status: 429, headers: { 'Retry-After': '7' } },
    ]);
    flip(1, 'NEUTRAL', 'LONG');
    await eventually(() => delivery().status === 'retrying', 'the 429 recorded');
    await clock.advance(6_999);
    expect(receiver.requests).toHaveLength(1);
    await clock.advance(1);
    await eventually(() => delivery().status === 'delivered', 'the delivery');

    expect(delivery()).toMatchObject({
      attempts: 2,
      lastError: 'HTTP 429',
      deliveredAt: '2024-01-01T12:00:07.000Z',
    });
  });

  it('times out a receiver that never answers on the clock, and delivers at the next attempt', async () => {
    const { receiver, clock, flip, delivery } = await start('{ timeoutMs: 5000, retryBaseMs: 1000 }', [
      'hang',
    ]);
    flip(1, 'NEUTRAL', 'LONG');
    await requestsReach(receiver, 1);
    await clock.advance(4_999);
    expect(delivery().status).toBe('queued');
    await clock.advance(1);
    await eventually(() => delivery().status === 'retrying', 'the timeout recorded');
    await clock.advance(500);
    await eventually(() => delivery().status === 'delivered', 'the delivery');

    expect(receiver.requests).toHaveLength(2);
    expect(delivery()).toMatchObject({ attempts: 2, lastError: 'no answer within 5000 ms' });
  });

  it('never records or logs the bot token, even when the receiver echoes it', async () => {
    const receiver = await LoopbackReceiver.start();
    receiver.answer([], { status: 401, body: `unknown bot ${TOKEN}` });
    const { notifications, secretOf } = loadNotifications(
      `  channels:\n    - { name: tg, type: telegram, tokenEnv: TG_TOKEN, chatId: 7, baseUrl: '${receiver.url}' }\n` +
        '  rules:\n    - { name: flips, type: label-change, channels: [tg] }\n',
      { TG_TOKEN: TOKEN },
    );
    const { flip, delivery, warnings } = track(receiver, notifications, secretOf);
    flip(1, 'NEUTRAL', 'LONG');
    await eventually(() => delivery().status === 'failed', 'the delivery given up');

    expect(receiver.requests[0]?.path).toBe(`/bot${TOKEN}/sendMessage`);
    expect(delivery().lastError).toBe('HTTP 401: unknown bot ***');
    expect(warnings.join('\n')).not.toContain(TOKEN.split(':')[1]);
    expect(warnings[0]).toContain(`telegram channel tg (${receiver.url}/…)`);
  });
});

describe('dedupe, rate limit and queue', () => {
  it('delivers the same rule, market and state once per dedupe window; another state goes through', async () => {
    const { receiver, clock, flip, notifier, delivery } = await start('{ dedupeSeconds: 60 }', []);
    const delivered = (index: number) =>
      eventually(() => delivery(index).status === 'delivered', `delivery ${index} delivered`);
    // Virtual time moves only while no request is on the wire (its timeout runs on the same clock).
    flip(1, 'NEUTRAL', 'LONG');
    await delivered(0);
    await clock.advance(30_000);
    flip(2, 'LONG', 'NEUTRAL');
    flip(3, 'NEUTRAL', 'LONG');
    await delivered(1);
    await clock.advance(29_999);
    flip(4, 'NEUTRAL', 'LONG');
    await clock.advance(1);
    flip(5, 'NEUTRAL', 'LONG');
    await delivered(4);

    expect(
      notifier
        .deliveries({ limit: 10 })
        .map((d) => [d.state, d.status, d.firedAt])
        .reverse(),
    ).toEqual([
      ['NEUTRAL→LONG', 'delivered', '2024-01-01T12:00:00.000Z'],
      ['LONG→NEUTRAL', 'delivered', '2024-01-01T12:00:30.000Z'],
      ['NEUTRAL→LONG', 'deduped', '2024-01-01T12:00:30.000Z'],
      ['NEUTRAL→LONG', 'deduped', '2024-01-01T12:00:59.999Z'],
      ['NEUTRAL→LONG', 'delivered', '2024-01-01T12:01:00.000Z'],
    ]);
    expect(receiver.bodies().map((body) => (body as { state: string }).state)).toEqual([
      'NEUTRAL→LONG',
      'LONG→NEUTRAL',
      'NEUTRAL→LONG',
    ]);
  });

  it('records past the rate limit as rate-limited until the window moves on', async () => {
    const { receiver, clock, flip, notifier } = await start(
      '{ dedupeSeconds: 0, rateLimit: { limit: 2, perSeconds: 60 } }',
      [],
    );
    flip(1, 'NEUTRAL', 'LONG');
    flip(2, 'LONG', 'NEUTRAL');
    flip(3, 'NEUTRAL', 'SHORT');
    await eventually(() => notifier.status().channels[0]?.outcomes.delivered === 2, 'two delivered');
    await clock.advance(60_000);
    flip(4, 'SHORT', 'LONG');
    await requestsReach(receiver, 3);

    expect(notifier.deliveries({ limit: 10, status: 'rate-limited' }).map((d) => d.state)).toEqual([
      'NEUTRAL→SHORT',
    ]);
    expect(notifier.status().channels[0]?.outcomes['rate-limited']).toBe(1);
  });

  it('drops what the full queue cannot take while a receiver hangs, and what waits when stopped', async () => {
    const { receiver, flip, notifier } = await start('{ dedupeSeconds: 0, queueSize: 2 }', [], 'hang');
    const states: [Signal, Signal][] = [
      ['NEUTRAL', 'LONG'],
      ['LONG', 'NEUTRAL'],
      ['NEUTRAL', 'SHORT'],
      ['SHORT', 'LONG'],
    ];
    states.forEach(([from, to], n) => {
      flip(n + 1, from, to);
    });
    await requestsReach(receiver, 1);

    expect(
      notifier
        .deliveries({ limit: 10 })
        .map((d) => d.status)
        .reverse(),
    ).toEqual(['queued', 'queued', 'queued', 'dropped']);
    expect(await metricsOf(notifier)).toEqual(
      expect.arrayContaining([
        'confluence_alert_queue_depth{channel="hook"} 3',
        'confluence_alert_deliveries_total{channel="hook",outcome="dropped"} 1',
      ]),
    );

    await notifier.stop();

    expect(
      notifier
        .deliveries({ limit: 10 })
        .map((d) => [d.status, d.lastError])
        .reverse(),
    ).toEqual([
      ['dropped', 'the gateway stopped before it was delivered'],
      ['dropped', 'the gateway stopped'],
      ['dropped', 'the gateway stopped'],
      ['dropped', 'queue full (2)'],
    ]);
    expect(notifier.status().channels[0]).toMatchObject({ depth: 0, outcomes: { dropped: 4, delivered: 0 } });
  });
});

describe('GET /v1/alerts’ history', () => {
  it('keeps the newest historySize deliveries, newest first, filtered by status', async () => {
    const { receiver, flip, notifier } = await start(
      '{ dedupeSeconds: 0, rateLimit: { limit: 5, perSeconds: 60 } }',
      [],
    );
    const labels: Signal[] = ['NEUTRAL', 'LONG', 'SHORT'];
    for (let n = 1; n <= 12; n++) flip(n, labels[n % 3] ?? 'NEUTRAL', labels[(n + 1) % 3] ?? 'LONG');
    await requestsReach(receiver, 5);
    // The first five were accepted (the rate limit) and delivered; the ring shows the newest ten.
    await eventually(() => notifier.status().channels[0]?.outcomes.delivered === 5, 'five delivered');

    const all = notifier.deliveries({ limit: 20 });
    expect(all.map((d) => d.id)).toEqual(['d12', 'd11', 'd10', 'd9', 'd8', 'd7', 'd6', 'd5', 'd4', 'd3']);
    expect(notifier.deliveries({ limit: 3 }).map((d) => d.id)).toEqual(['d12', 'd11', 'd10']);
    expect(notifier.deliveries({ limit: 20, status: 'delivered' }).map((d) => d.id)).toEqual([
      'd5',
      'd4',
      'd3',
    ]);
    expect(notifier.deliveries({ limit: 20, status: 'rate-limited' })).toHaveLength(7);
  });
});
