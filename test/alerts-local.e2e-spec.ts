import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { type DeliveryView, SIGNATURE_HEADER, verifySignature, type WebhookBody } from '@app/alerts';
import { SignalRepository } from '@app/persistence';
import { eventually, MARKET_FILES } from '@app/testing';
import { LoopbackReceiver } from '../libs/alerts/src/testing/loopback-receiver.js';
import { bodyOf, type LocalGateway, startLocalGateway } from './gateway-kit.js';
import { type OpenApiDocument, openApiResponses } from './openapi-responses.js';

/**
 * Alerts on the real pipeline (local mode: replayed candles → worker → bus → gateway): with the
 * shipped monitoring.yaml's webhook channel enabled and pointed at a loopback receiver, every label
 * change the worker stored reaches the receiver once, signed with the secret from the environment,
 * and GET /v1/alerts lists each delivery as delivered, in the shape its OpenAPI document declares.
 */

const SECRET = 'e2e-whsec-0123456789abcdef0123456789';
let receiver: LoopbackReceiver;
let gateway: LocalGateway;

beforeAll(async () => {
  receiver = await LoopbackReceiver.start();
  gateway = await startLocalGateway({
    // One stream, enough candles for several label changes once the indicators are warm (50).
    files: [{ file: MARKET_FILES.btc1m, limit: 200 }],
    patches: [
      // The first channel (ops-webhook) on, at the receiver; the others stay off.
      { file: 'monitoring.yaml', from: 'enabled: false', to: 'enabled: true' },
      {
        file: 'monitoring.yaml',
        from: 'url: https://alerts.example.com/confluence',
        to: `url: ${receiver.url}/alerts`,
      },
      // A replay puts hours of candles into a second: no dedupe or rate limit may hide a change.
      {
        file: 'monitoring.yaml',
        from: 'secretEnv: ALERT_WEBHOOK_SECRET',
        to: 'secretEnv: ALERT_WEBHOOK_SECRET\n      delivery: { dedupeSeconds: 0, rateLimit: { limit: 10000, perSeconds: 60 }, queueSize: 10000 }',
      },
    ],
    env: { ALERT_WEBHOOK_SECRET: SECRET },
  });
}, 300_000);

afterAll(async () => {
  await gateway.close();
  await receiver.close();
});

const api = () => request(gateway.server);
const labelChangeBodies = (): WebhookBody[] =>
  (receiver.bodies() as WebhookBody[]).filter((body) => body.rule === 'label-changes');

describe('alerts in local mode', () => {
  it('sends every stored label change to the webhook once, signed with the secret', async () => {
    const stored = (await gateway.app.get(SignalRepository).list({ limit: 1000 })).filter(
      (change) => change.from !== null,
    );
    expect(stored.length).toBeGreaterThan(0);
    await eventually(() => labelChangeBodies().length >= stored.length, 'every label change at the receiver');

    const sent = labelChangeBodies();
    const key = (
      market: { exchange: string; symbol: string | null; timeframe: string | null },
      state: string,
      at: string,
    ) => `${market.exchange} ${market.symbol ?? ''} ${market.timeframe ?? ''} ${state} ${at}`;
    expect(sent.map((body) => key(body.market, body.state, String(body.facts.candleTime))).sort()).toEqual(
      stored
        .map((change) =>
          key(change, `${change.from ?? ''}→${change.to}`, new Date(change.time).toISOString()),
        )
        .sort(),
    );
    const now = Math.floor(Date.now() / 1000);
    for (const request of receiver.requests) {
      const header = request.headers[SIGNATURE_HEADER.toLowerCase()] as string;
      expect(verifySignature(SECRET, header, request.body, now)).toBe(true);
      expect(verifySignature(SECRET, header, request.body.replace('"rule":"', '"rule":"x'), now)).toBe(false);
    }
  });

  it('lists each delivery in GET /v1/alerts as delivered, as the OpenAPI document declares', async () => {
    const ids = new Set(labelChangeBodies().map((body) => body.id));
    await eventually(async () => {
      const { deliveries } = bodyOf<{ deliveries: DeliveryView[] }>(
        await api().get('/v1/alerts?status=delivered&limit=1000').expect(200),
      );
      return [...ids].every((id) => deliveries.some((delivery) => delivery.id === id));
    }, 'the deliveries recorded as delivered');
    const answer = await api().get('/v1/alerts?limit=1000').expect(200);
    const document = bodyOf<OpenApiDocument>(await api().get('/docs-json').expect(200));
    const { enabled, deliveries } = bodyOf<{ enabled: boolean; deliveries: DeliveryView[] }>(answer);

    expect(openApiResponses(document).check('get', '/v1/alerts', 200, answer.body)).toBeNull();
    expect(enabled).toBe(true);
    const flips = deliveries.filter((delivery) => ids.has(delivery.id));
    expect(flips).toHaveLength(ids.size);
    for (const delivery of flips)
      expect(delivery).toMatchObject({
        channel: 'ops-webhook',
        channelType: 'webhook',
        rule: 'label-changes',
        ruleType: 'label-change',
        status: 'delivered',
        attempts: 1,
        lastError: null,
      });
    expect((await api().get('/v1/alerts?status=sent').expect(400)).body).toMatchObject({
      errors: [{ field: 'status' }],
    });
  });
});
