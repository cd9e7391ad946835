import { SERVICE_VERSION } from '@app/contracts';
import { type AlertEvent, type AlertFact, marketLabel } from '../alert-event.js';
import type { ChannelTarget } from './channel-target.js';
import { SIGNATURE_HEADER, signatureOf } from './webhook-signature.js';

/** One HTTP POST to a channel. */
export interface OutgoingRequest {
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/** A delivery of one alert to one channel: its id stays the same across retries. */
export interface DeliveryRequest {
  readonly id: string;
  readonly event: AlertEvent;
}

/** The generic webhook's JSON body (README, "Alerts"). */
export interface WebhookBody {
  readonly id: string;
  readonly channel: string;
  readonly rule: string;
  readonly type: string;
  readonly market: AlertEvent['market'];
  readonly state: string;
  readonly title: string;
  readonly text: string;
  readonly facts: Readonly<Record<string, AlertFact>>;
  /** ISO 8601, UTC. */
  readonly firedAt: string;
}

const USER_AGENT = `confluence-alerts/${SERVICE_VERSION}`;
const JSON_HEADERS = { 'Content-Type': 'application/json', 'User-Agent': USER_AGENT } as const;

/** Cuts text to a limit the receiving API documents, marking the cut. */
function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

const factText = (value: AlertFact): string => (value === null ? '—' : String(value));

/** Green for what rose or recovered, red for what fell or broke, amber for the rest (Discord's RGB int). */
function colourOf(event: AlertEvent): number {
  if (event.state === 'above' || event.state.endsWith('→LONG')) return 0x2e7d32;
  if (['below', 'stale', 'down'].includes(event.state) || event.state.endsWith('→SHORT')) return 0xc62828;
  return 0xf9a825;
}

/**
 * The request a channel's API expects for one delivery, `sentAtMs` being this attempt's time (the
 * webhook signs each attempt afresh, so its timestamp is the attempt's, never a stale one):
 * - webhook: the alert as JSON, signed `t=<unix>,v1=<HMAC-SHA256 of "<t>.<body>">`;
 * - telegram: Bot API `sendMessage` (https://core.telegram.org/bots/api#sendmessage): `chat_id`,
 *   plain `text` (1–4096 characters), link previews off;
 * - discord: Execute Webhook (https://discord.com/developers/docs/resources/webhook#execute-webhook):
 *   `content` (≤ 2000) and one embed (title ≤ 256, description ≤ 4096, ≤ 25 fields of ≤ 256 / 1024),
 *   mentions disabled so alert text can never ping anyone;
 * - slack: incoming webhook (https://api.slack.com/messaging/webhooks): `text` as the notification
 *   fallback and Block Kit blocks (header ≤ 150, section text ≤ 3000, ≤ 10 fields of ≤ 2000).
 */
export function renderRequest(
  target: ChannelTarget,
  delivery: DeliveryRequest,
  sentAtMs: number,
): OutgoingRequest {
  const { event } = delivery;
  switch (target.type) {
    case 'webhook': {
      const body = JSON.stringify(webhookBody(target, delivery));
      const signature = signatureOf(target.signingSecret ?? '', Math.floor(sentAtMs / 1000), body);
      return {
        url: target.url,
        headers: { ...JSON_HEADERS, [SIGNATURE_HEADER]: signature, 'X-Confluence-Delivery': delivery.id },
        body,
      };
    }
    case 'telegram':
      return {
        url: target.url,
        headers: JSON_HEADERS,
        body: JSON.stringify({
          chat_id: target.chatId,
          text: clip(`${event.title}\n\n${event.text}`, 4096),
          link_preview_options: { is_disabled: true },
        }),
      };
    case 'discord':
      return {
        url: target.url,
        headers: JSON_HEADERS,
        body: JSON.stringify({
          content: clip(event.title, 2000),
          embeds: [
            {
              title: clip(`${event.rule} · ${marketLabel(event.market)}`, 256),
              description: clip(event.text, 4096),
              color: colourOf(event),
              timestamp: new Date(event.firedAt).toISOString(),
              fields: Object.entries(event.facts)
                .slice(0, 25)
                .map(([name, value]) => ({
                  name: clip(name, 256),
                  value: clip(factText(value), 1024),
                  inline: true,
                })),
            },
          ],
          allowed_mentions: { parse: [] },
        }),
      };
    case 'slack': {
      const fields = Object.entries(event.facts)
        .slice(0, 10)
        .map(([name, value]) => ({ type: 'mrkdwn', text: clip(`*${name}*\n${factText(value)}`, 2000) }));
      return {
        url: target.url,
        headers: JSON_HEADERS,
        body: JSON.stringify({
          text: event.title,
          blocks: [
            { type: 'header', text: { type: 'plain_text', text: clip(event.title, 150) } },
            { type: 'section', text: { type: 'mrkdwn', text: clip(event.text, 3000) } },
            // Slack refuses a section whose `fields` is empty.
            ...(fields.length === 0 ? [] : [{ type: 'section', fields }]),
          ],
        }),
      };
    }
  }
}

export function webhookBody(target: ChannelTarget, delivery: DeliveryRequest): WebhookBody {
  const { event } = delivery;
  return {
    id: delivery.id,
    channel: target.name,
    rule: event.rule,
    type: event.type,
    market: event.market,
    state: event.state,
    title: event.title,
    text: event.text,
    facts: event.facts,
    firedAt: new Date(event.firedAt).toISOString(),
  };
}
