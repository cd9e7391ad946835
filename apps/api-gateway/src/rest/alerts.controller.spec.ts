import { afterAll, beforeAll, beforeEach, describe, expect, it, jest } from '@jest/globals';
import request, { type Response } from 'supertest';
import { AlertNotifier, type DeliveryView } from '@app/alerts';
import { loadConfig } from '@app/config';
import { type FastifyTestApp, PROJECT_CONFIG_DIR, RecordingLogger } from '@app/testing';
import { AlertsController } from './alerts.controller.js';
import { startRestController } from './testing/rest-controller-kit.js';

/**
 * The real AlertsController over a fake of AlertNotifier, with its real guards and edge
 * (rest-controller-kit.ts): what it asks the notifier, and what is refused before (400 naming the
 * field).
 */

const config = loadConfig({ env: { CONFIG_DIR: PROJECT_CONFIG_DIR } });
const DELIVERY: DeliveryView = {
  id: 'd1',
  channel: 'ops-webhook',
  channelType: 'webhook',
  rule: 'label-changes',
  ruleType: 'label-change',
  market: { exchange: 'binance', symbol: 'BTC/USDT', timeframe: '1m' },
  state: 'NEUTRAL→LONG',
  title: 'binance BTC/USDT 1m: NEUTRAL → LONG (score 64.3)',
  status: 'failed',
  attempts: 4,
  lastError: 'HTTP 500',
  firedAt: '2024-01-01T12:00:00.000Z',
  updatedAt: '2024-01-01T12:00:14.000Z',
  deliveredAt: null,
};

const notifier = { enabled: true, deliveries: jest.fn<AlertNotifier['deliveries']>() };
const logger = new RecordingLogger();
let running: FastifyTestApp;

beforeAll(async () => {
  running = await startRestController({
    config,
    controller: AlertsController,
    providers: [{ provide: AlertNotifier, useValue: notifier }],
    logger,
  });
});

afterAll(async () => {
  await running.close();
});

beforeEach(() => {
  notifier.deliveries.mockReset().mockReturnValue([DELIVERY]);
});

const api = () => request(running.server);
const fieldsOf = (response: Response): string[] =>
  [...new Set((response.body as { errors: { field: string }[] }).errors.map((issue) => issue.field))].sort();

describe('GET /v1/alerts', () => {
  it('answers the notifier’s deliveries, 50 by default, or `limit` of one status', async () => {
    const all = await api().get('/v1/alerts').expect(200);
    await api().get('/v1/alerts?limit=5&status=rate-limited').expect(200);

    expect(all.body).toEqual({ enabled: true, deliveries: [DELIVERY] });
    expect(notifier.deliveries.mock.calls).toEqual([
      [{ limit: 50, status: undefined }],
      [{ limit: 5, status: 'rate-limited' }],
    ]);
  });

  it.each([
    ['a limit of 0', 'limit=0', ['limit']],
    ['a limit past 1000', 'limit=1001', ['limit']],
    ['a limit that is no integer', 'limit=2.5', ['limit']],
    ['an unknown status', 'status=sent', ['status']],
    ['both wrong', 'limit=x&status=', ['limit', 'status']],
    ['an unknown parameter', 'channel=ops-webhook', ['channel']],
  ])('refuses %s with 400 naming each field, before the notifier', async (_, query, fields) => {
    const response = await api().get(`/v1/alerts?${query}`).expect(400);

    expect(fieldsOf(response)).toEqual(fields);
    expect(notifier.deliveries).not.toHaveBeenCalled();
  });

  it('has a rate limit of its own (alerts: 60 a minute)', () => {
    expect(config.app.rateLimits.routes.alerts).toEqual({ limit: 60, ttlSeconds: 60 });
  });
});
