import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { LabelChange, OpinionObservation } from '../observations.js';
import { AlertNotifier } from '../alert-notifier.js';
import { LoopbackReceiver } from '../testing/loopback-receiver.js';
import { loadNotifications } from '../testing/notifications-kit.js';
import { VirtualClock } from '../testing/virtual-clock.js';
// By path: the @app/testing barrel loads mongoose and the fakes, which these specs do not need.
import { eventually } from '../../../testing/src/eventually.js';
import { SIGNATURE_HEADER, verifySignature } from './webhook-signature.js';

/**
 * Each channel's wire format, through the real HTTP transport to a loopback receiver per channel:
 * the path and headers each API expects, bodies in the shapes those APIs document (links in
 * channel-requests.ts), and the generic webhook's signature, which verifies with the secret and
 * fails for a tampered body, another secret or an old timestamp.
 */

const NOW = Date.UTC(2024, 0, 1, 12, 0, 0);
const SECRET = 'whsec-0123456789abcdef0123456789';
const TOKEN = '123456:AAbbCCddEEffGGhhIIjjKKllMM';
type ChannelName = 'webhook' | 'telegram' | 'discord' | 'slack';
const CHANNELS: readonly ChannelName[] = ['webhook', 'telegram', 'discord', 'slack'];
const receivers: Partial<Record<ChannelName, LoopbackReceiver>> = {};
const receiver = (name: ChannelName): LoopbackReceiver => {
  const found = receivers[name];
  if (found === undefined) throw new Error(`no ${name} receiver`);
  return found;
};
const clock = new VirtualClock(NOW);
let notifier: AlertNotifier;

const CHANGE: LabelChange = {
  exchange: 'binance',
  symbol: 'BTC/USDT',
  timeframe: '1m',
  time: NOW - 120_000,
  from: 'NEUTRAL',
  to: 'LONG',
  score: 64.25,
  confidence: 41,
};

beforeAll(async () => {
  for (const name of CHANNELS) receivers[name] = await LoopbackReceiver.start();
  const channel = (name: string, rest: string) =>
    `    - { name: ${name}, ${rest}, delivery: { dedupeSeconds: 0 } }\n`;
  const { notifications, secretOf } = loadNotifications(
    '  channels:\n' +
      channel(
        'hook',
        `type: webhook, url: '${receiver('webhook').url}/confluence/alerts', secretEnv: HOOK_SECRET`,
      ) +
      channel(
        'tg',
        `type: telegram, tokenEnv: TG_TOKEN, chatId: -1001234567890, baseUrl: '${receiver('telegram').url}'`,
      ) +
      channel('dc', 'type: discord, urlEnv: DC_URL') +
      channel('sl', 'type: slack, urlEnv: SL_URL') +
      '  rules:\n    - { name: flips, type: label-change, channels: [hook, tg, dc, sl] }\n' +
      '    - { name: doubt, type: llm-disagreement, channels: [tg] }\n',
    {
      HOOK_SECRET: SECRET,
      TG_TOKEN: TOKEN,
      DC_URL: `${receiver('discord').url}/api/webhooks/42/dc-token`,
      SL_URL: `${receiver('slack').url}/services/T0/B0/sl-token`,
    },
  );
  notifier = new AlertNotifier(notifications, {
    clock,
    logger: { log: () => undefined, warn: () => undefined, error: () => undefined },
    secretOf,
    newId: () => 'delivery-1',
  });
  notifier.labelChanged(CHANGE);
  await eventually(
    () => CHANNELS.every((name) => receiver(name).requests.length === 1),
    'one request at each receiver',
  );
});

afterAll(async () => {
  await notifier.stop();
  await Promise.all(CHANNELS.map((name) => receiver(name).close()));
});

describe('generic webhook', () => {
  it('POSTs the alert as JSON to the configured URL', () => {
    const [request] = receiver('webhook').requests;

    expect(request).toMatchObject({
      method: 'POST',
      path: '/confluence/alerts',
      headers: { 'content-type': 'application/json', 'x-confluence-delivery': 'delivery-1' },
    });
    expect(request?.headers['user-agent']).toMatch(/^confluence-alerts\/\d+\.\d+\.\d+$/);
    expect(JSON.parse(request?.body ?? '')).toEqual({
      id: 'delivery-1',
      channel: 'hook',
      rule: 'flips',
      type: 'label-change',
      market: { exchange: 'binance', symbol: 'BTC/USDT', timeframe: '1m' },
      state: 'NEUTRAL→LONG',
      title: 'binance BTC/USDT 1m: NEUTRAL → LONG (score 64.3)',
      text: 'flips: the label changed from NEUTRAL to LONG at a score of 64.3 (confidence 41.0).',
      facts: {
        from: 'NEUTRAL',
        to: 'LONG',
        score: 64.25,
        confidence: 41,
        candleTime: '2024-01-01T11:58:00.000Z',
      },
      firedAt: '2024-01-01T12:00:00.000Z',
    });
  });

  it('signs t=<unix>,v1=<HMAC-SHA256 of "<t>.<body>">, which verifies with the secret and nothing else', () => {
    const [request] = receiver('webhook').requests;
    const header = request?.headers[SIGNATURE_HEADER.toLowerCase()] as string;
    const body = request?.body ?? '';
    const now = NOW / 1000;

    expect(header).toMatch(new RegExp(`^t=${now},v1=[0-9a-f]{64}$`));
    expect(verifySignature(SECRET, header, body, now)).toBe(true);
    expect(verifySignature(SECRET, header, body.replace('"LONG"', '"SHORT"'), now)).toBe(false);
    expect(verifySignature(SECRET, header, `${body} `, now)).toBe(false);
    expect(verifySignature('another-secret-0123456789', header, body, now)).toBe(false);
    expect(verifySignature(SECRET, header.replace(`t=${now}`, `t=${now + 1}`), body, now)).toBe(false);
    // Replayed later than the tolerance (300 s): refused though the MAC is right.
    expect(verifySignature(SECRET, header, body, now + 301)).toBe(false);
    expect(verifySignature(SECRET, header, body, now + 300)).toBe(true);
    expect(verifySignature(SECRET, undefined, body, now)).toBe(false);
  });
});

describe('Telegram', () => {
  it('calls sendMessage of the bot with chat_id, plain text and link previews off', () => {
    const [request] = receiver('telegram').requests;

    expect(request).toMatchObject({
      method: 'POST',
      path: `/bot${TOKEN}/sendMessage`,
      headers: { 'content-type': 'application/json' },
    });
    expect(JSON.parse(request?.body ?? '')).toEqual({
      chat_id: '-1001234567890',
      text:
        'binance BTC/USDT 1m: NEUTRAL → LONG (score 64.3)\n\n' +
        'flips: the label changed from NEUTRAL to LONG at a score of 64.3 (confidence 41.0).',
      link_preview_options: { is_disabled: true },
    });
  });

  it('cuts a text past the API’s 4096 characters', async () => {
    const opinion: OpinionObservation = {
      exchange: 'binance',
      symbol: 'BTC/USDT',
      timeframe: '1m',
      candleTime: NOW - 60_000,
      score: 66,
      label: 'LONG',
      opinion: { status: 'ok', signal: 'SHORT', agrees: false, confidence: 0.8, reasoning: 'x'.repeat(5000) },
    };
    notifier.opinion(opinion);
    await eventually(() => receiver('telegram').requests.length === 2, 'the second Telegram message');
    const { text } = JSON.parse(receiver('telegram').requests[1]?.body ?? '') as { text: string };

    expect(text).toHaveLength(4096);
    expect(text.endsWith('x…')).toBe(true);
  });
});

describe('Discord', () => {
  it('executes the webhook with content, one embed of the alert, and no mentions', () => {
    const [request] = receiver('discord').requests;
    const body = JSON.parse(request?.body ?? '') as Record<string, unknown>;

    expect(request).toMatchObject({ method: 'POST', path: '/api/webhooks/42/dc-token' });
    expect(body).toEqual({
      content: 'binance BTC/USDT 1m: NEUTRAL → LONG (score 64.3)',
      embeds: [
        {
          title: 'flips · binance BTC/USDT 1m',
          description: 'flips: the label changed from NEUTRAL to LONG at a score of 64.3 (confidence 41.0).',
          color: 0x2e7d32,
          timestamp: '2024-01-01T12:00:00.000Z',
          fields: [
            { name: 'from', value: 'NEUTRAL', inline: true },
            { name: 'to', value: 'LONG', inline: true },
            { name: 'score', value: '64.25', inline: true },
            { name: 'confidence', value: '41', inline: true },
            { name: 'candleTime', value: '2024-01-01T11:58:00.000Z', inline: true },
          ],
        },
      ],
      allowed_mentions: { parse: [] },
    });
  });
});

describe('Slack', () => {
  it('posts text (the notification fallback) and Block Kit blocks: header, text, fields', () => {
    const [request] = receiver('slack').requests;

    expect(request).toMatchObject({ method: 'POST', path: '/services/T0/B0/sl-token' });
    expect(JSON.parse(request?.body ?? '')).toEqual({
      text: 'binance BTC/USDT 1m: NEUTRAL → LONG (score 64.3)',
      blocks: [
        {
          type: 'header',
          text: { type: 'plain_text', text: 'binance BTC/USDT 1m: NEUTRAL → LONG (score 64.3)' },
        },
        {
          type: 'section',
          text: {
            type: 'mrkdwn',
            text: 'flips: the label changed from NEUTRAL to LONG at a score of 64.3 (confidence 41.0).',
          },
        },
        {
          type: 'section',
          fields: [
            { type: 'mrkdwn', text: '*from*\nNEUTRAL' },
            { type: 'mrkdwn', text: '*to*\nLONG' },
            { type: 'mrkdwn', text: '*score*\n64.25' },
            { type: 'mrkdwn', text: '*confidence*\n41' },
            { type: 'mrkdwn', text: '*candleTime*\n2024-01-01T11:58:00.000Z' },
          ],
        },
      ],
    });
  });
});

describe('the deliveries', () => {
  it('records each as delivered at the first attempt', () => {
    const deliveries = notifier.deliveries({ limit: 10 }).filter((delivery) => delivery.rule === 'flips');

    expect(deliveries.map((d) => [d.channel, d.channelType, d.status, d.attempts, d.lastError])).toEqual(
      expect.arrayContaining([
        ['hook', 'webhook', 'delivered', 1, null],
        ['tg', 'telegram', 'delivered', 1, null],
        ['dc', 'discord', 'delivered', 1, null],
        ['sl', 'slack', 'delivered', 1, null],
      ]),
    );
    expect(deliveries).toHaveLength(4);
  });
});
