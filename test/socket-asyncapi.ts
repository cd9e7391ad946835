import { beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { busEventFactory, eventually, httpServerOf } from '@app/testing';
import { ASYNCAPI_PATH } from '../apps/api-gateway/src/socket/asyncapi.js';
import { SocketRegistry } from '../apps/api-gateway/src/socket/socket-registry.js';
import { REFUSED_REQUESTS } from '../apps/api-gateway/src/socket/asyncapi-examples.js';
import { bodyOf } from './gateway-kit.js';
import { type AsyncApiDocumentLike, asyncApiMessages, asyncApiProblems } from './asyncapi-messages.js';
import {
  API_KEY,
  BTC_1M,
  BTC_5M,
  hasUpdate,
  LTC_1M,
  record,
  SIGNALS_SETTINGS,
  type SignalsApp,
  signalChange,
  update,
} from './socket-app-kit.js';
import { ask, RawSignalsPeer, refusal } from './socket-kit.js';

/** The served document, with the parts these tests read beyond the checks' own. */
type ServedDocument = AsyncApiDocumentLike & {
  readonly info: { readonly description: string };
  readonly servers: Record<string, { readonly security?: unknown }>;
  readonly components: {
    readonly messages: Record<string, { readonly examples?: { name: string; payload: unknown }[] }>;
  };
};

/**
 * The AsyncAPI document the gateway serves at /docs/asyncapi.json, against the real /signals of
 * the same app: a valid AsyncAPI 3.0 document, served like /docs-json (public, not throttled),
 * whose message schemas every real acknowledgement and event matches with no undocumented field,
 * and whose refusal examples are the gateway's real answers. The validator is shown to refuse
 * wrong payloads, so a pass means something.
 */
export function describeAsyncApiConformance(
  signals: Pick<SignalsApp, 'app' | 'open' | 'publish' | 'publishSignal' | 'publishOpinion'>,
): void {
  describe('against the AsyncAPI document it serves', () => {
    const { app, open, publish, publishSignal, publishOpinion } = signals;
    let document: ServedDocument;
    let messages: ReturnType<typeof asyncApiMessages>;
    const api = (): ReturnType<typeof request> => request(httpServerOf(app()));

    beforeAll(async () => {
      document = bodyOf<ServedDocument>(await api().get(ASYNCAPI_PATH).expect(200));
      messages = asyncApiMessages(document);
    });

    /** A real payload, checked against a message of the document. */
    const expectMessage = (message: string, payload: unknown): void => {
      expect({ message, errors: messages.check(message, payload) }).toEqual({ message, errors: null });
    };

    it('serves a valid AsyncAPI 3.0 document of this configuration, public and unthrottled like /docs-json', async () => {
      const served = await api().get(ASYNCAPI_PATH).expect(200);
      expect(served.headers['content-type']).toBe('application/json; charset=utf-8');
      expect(served.headers['cache-control']).toBe('public, max-age=300');
      expect(asyncApiProblems(document)).toEqual([]);
      expect(document.info.description).toContain(
        `Limits per connection: ${SIGNALS_SETTINGS.maxSubscriptionsPerSocket} subscriptions; ` +
          `${SIGNALS_SETTINGS.messagesPerSecond} subscribe/unsubscribe messages per second`,
      );
      const openApi = bodyOf<{ info: { description: string } }>(await api().get('/docs-json').expect(200));
      expect(openApi.info.description).toContain(`AsyncAPI document at ${ASYNCAPI_PATH}`);

      // No throttler on either document (a /v1 route says its limit in headers), even past the
      // default limit of 120 a minute; an unknown API key does not matter to them either.
      const limited = await api().get('/v1/markets').expect(200);
      expect(limited.headers['x-ratelimit-limit']).toBeDefined();
      const burst = await Promise.all(
        Array.from({ length: 130 }, (_, i) => api().get(i % 2 === 0 ? ASYNCAPI_PATH : '/docs-json')),
      );
      expect(burst.map((response) => response.status)).toEqual(burst.map(() => 200));
      expect(burst.filter((response) => 'x-ratelimit-limit' in response.headers)).toEqual([]);
      await api().get(ASYNCAPI_PATH).set('X-API-Key', 'not-a-key').expect(200);
    });

    it('describes the real acknowledgements and events, field by field', async () => {
      const client = await open();
      const received = record(client);
      const subscribed = await ask(client, 'subscribe', BTC_1M);
      expect(subscribed).toMatchObject({ ok: true, snapshot: { symbol: 'BTC/USDT' } });
      expectMessage('subscribed', subscribed);
      // A stream without a result: the null snapshot.
      const empty = await ask(client, 'subscribe', LTC_1M);
      expect(empty).toMatchObject({ ok: true, snapshot: null });
      expectMessage('subscribed', empty);

      await publish(update(BTC_1M, 60));
      await publishSignal({ ...signalChange(BTC_1M, 60), from: null });
      await publishSignal(signalChange(BTC_1M, 61));
      await publishOpinion(busEventFactory.llmOpinion({ ...BTC_1M, source: 'replay' }));
      await publishOpinion(
        busEventFactory.llmOpinion({
          ...BTC_1M,
          source: 'replay',
          opinion: { status: 'unavailable', reason: 'budget-exhausted', detail: 'the daily budget is spent' },
        }),
      );
      await publish(update(BTC_1M, 62));
      await eventually(() => hasUpdate(received, 62), 'update 62');
      expect(received.updates).toHaveLength(2);
      expect(received.signals).toHaveLength(2);
      expect(received.opinions.map((event) => event.opinion.status)).toEqual(['ok', 'unavailable']);
      for (const event of received.updates) expectMessage('confluenceUpdated', event);
      for (const event of received.signals) expectMessage('signalChanged', event);
      for (const event of received.opinions) expectMessage('llmOpinion', event);

      const unsubscribed = await ask(client, 'unsubscribe', { ...BTC_1M, symbol: 'BTC-USDT' });
      expectMessage('unsubscribed', unsubscribed);

      // The same payloads, one thing wrong: refused (so each pass above means something).
      const [event] = received.updates;
      const [change] = received.signals;
      expect(messages.check('subscribed', { ...(subscribed as object), extra: 1 })).not.toBeNull();
      const snapshot = (subscribed as { snapshot: Record<string, unknown> }).snapshot;
      expect(
        messages.check('subscribed', { ...(subscribed as object), snapshot: { ...snapshot, secret: 1 } }),
      ).not.toBeNull();
      expect(messages.check('subscribed', unsubscribed)).not.toBeNull();
      expect(messages.check('confluenceUpdated', { ...event, score: '55' })).not.toBeNull();
      expect(messages.check('confluenceUpdated', { ...event, label: 'MAYBE' })).not.toBeNull();
      expect(messages.check('confluenceUpdated', { ...event, undocumented: true })).not.toBeNull();
      expect(messages.check('signalChanged', { ...change, to: null })).not.toBeNull();
      const [answer] = received.opinions;
      expect(
        messages.check('llmOpinion', { ...answer, opinion: { ...answer?.opinion, confidence: 2 } }),
      ).not.toBeNull();
      expect(messages.check('subscribe', { ...BTC_1M, timeframe: '7m' })).not.toBeNull();
    });

    it("gives the gateway's own refusals as its examples, and they match their schema", async () => {
      const examples = Object.fromEntries(
        (document.components.messages.refused?.examples ?? []).map((example) => [
          example.name,
          example.payload,
        ]),
      );
      expect(Object.keys(examples).sort()).toEqual([
        'bad-request',
        'limit-exceeded',
        'rate-limited',
        'unknown-market',
      ]);
      const client = await open();
      const real: Record<string, unknown> = {
        'bad-request': await ask(client, 'subscribe', REFUSED_REQUESTS['bad-request']),
        'unknown-market': await ask(client, 'subscribe', REFUSED_REQUESTS['unknown-market']),
      };
      // Subscriptions up to the limit of this suite's configuration (2), then one more.
      for (const stream of [BTC_1M, BTC_5M])
        expect(await ask(client, 'subscribe', stream)).toMatchObject({ ok: true });
      real['limit-exceeded'] = await ask(client, 'subscribe', LTC_1M);
      // A burst past the bucket (twice messagesPerSecond): the last ones are refused.
      const flooded = await open();
      const answers = await Promise.all(
        Array.from({ length: 40 }, () => ask(flooded, 'unsubscribe', LTC_1M)),
      );
      real['rate-limited'] = answers.at(-1);

      expect(real).toEqual(examples);
      for (const payload of Object.values(real)) expectMessage('refused', payload);
      expect(
        messages.check('refused', { ok: false, error: { code: 'teapot', message: 'no' } }),
      ).not.toBeNull();
    });
  });
}

/**
 * On an app whose sockets require an API key (and allow `maxConnectionsPerIp` per address): the
 * served document says so, and the gateway's real connect refusals match its `connect_error`.
 */
export function describeAsyncApiRefusals(
  signals: Pick<SignalsApp, 'app' | 'open' | 'port'>,
  maxConnectionsPerIp: number,
): void {
  it('documents the API key requirement and the real connection refusals', async () => {
    const { app, open, port } = signals;
    const document = bodyOf<ServedDocument>(
      await request(httpServerOf(app())).get(ASYNCAPI_PATH).expect(200),
    );
    expect(asyncApiProblems(document)).toEqual([]);
    expect(document.servers.gateway?.security).toEqual([{ $ref: '#/components/securitySchemes/apiKey' }]);
    const messages = asyncApiMessages(document);

    const unauthorized = await refusal(port());
    // /signals counts its sockets per address too, and one Engine.IO connection carries several
    // when their CONNECTs arrive in one write: one more than the limit gets the connect_error.
    const peer = await RawSignalsPeer.open(port());
    const connect = `40/signals,${JSON.stringify({ apiKey: API_KEY })}`;
    peer.sendTogether(Array.from({ length: maxConnectionsPerIp + 1 }, () => connect));
    const refused = await peer
      .next((text) => text.startsWith('44/signals,'))
      .finally(() => {
        peer.destroy();
      });
    const tooMany = String(
      (JSON.parse(refused.slice('44/signals,'.length)) as { message?: unknown }).message,
    );
    expect(tooMany).toBe(`too many connections from this address (max ${maxConnectionsPerIp})`);
    // Past the limit of Engine.IO connections the handshake itself is refused, for the same reason.
    await eventually(() => app().get(SocketRegistry).engineConnections() === 0, 'the peer to be released');
    const auth = { auth: { apiKey: API_KEY } };
    await Promise.all(Array.from({ length: maxConnectionsPerIp }, () => open(auth)));
    await expect(RawSignalsPeer.open(port())).rejects.toThrow(`HTTP/1.1 400 Bad Request: ${tooMany}`);
    for (const message of [unauthorized, tooMany])
      expect({ message, errors: messages.check('connectionRefused', { message }) }).toEqual({
        message,
        errors: null,
      });
    const wrong = `too many connections from this address (max ${maxConnectionsPerIp + 1})`;
    expect(messages.check('connectionRefused', { message: wrong })).not.toBeNull();
  });
}
