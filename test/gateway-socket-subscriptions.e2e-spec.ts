import { describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { ResultFormatter } from '@app/confluence';
import { AnalysisEventName } from '@app/contracts';
import { renderStoredResult } from '@app/gateway';
import { ResultRepository } from '@app/persistence';
import { eventually, httpServerOf } from '@app/testing';
import {
  BTC_1M,
  BTC_5M,
  hasUpdate,
  LTC_1M,
  opinion,
  record,
  SIGNALS_SETTINGS,
  signalChange,
  signalsApp,
  update,
} from './socket-app-kit.js';
import { ask, gaugeValue, type LooseClient } from './socket-kit.js';
import { describeAsyncApiConformance } from './socket-asyncapi.js';

/**
 * Subscribing to the Socket.IO namespace /signals of the whole app in local mode, with
 * socket.io-client: the snapshot a subscribe answers, delivery of updates and signal changes to
 * the subscribers of their stream only, unsubscribe, refused subscriptions, and the per-connection
 * subscription and message limits.
 */

describe('Socket.IO /signals in local mode: subscriptions and delivery', () => {
  /** Candle time and input hash of the last BTC/USDT 1m result the replay published. */
  let lastBtc1m: { candleTime: number; inputHash: string } | undefined;
  const { app, metrics, open, publish, publishSignal, publishOpinion } = signalsApp(SIGNALS_SETTINGS, {
    onBus: (bus) =>
      bus.subscribe(AnalysisEventName.ConfluenceUpdated, (event) => {
        if (event.symbol === 'BTC/USDT' && event.timeframe === '1m')
          lastBtc1m = { candleTime: event.candleTime, inputHash: event.inputHash };
      }),
  });

  it('answers a subscribe with its room and the latest stored result, the body of GET latest', async () => {
    expect(lastBtc1m).toBeDefined();
    const client = await open();
    const ack = (await ask(client, 'subscribe', BTC_1M)) as Record<string, unknown>;
    const rest = await request(httpServerOf(app()))
      .get('/v1/confluence/binance/BTC-USDT')
      .query({ timeframe: '1m' })
      .expect(200);
    const stored = await app().get(ResultRepository).latest(BTC_1M);

    expect(ack).toEqual({ ok: true, room: 'binance:BTC/USDT:1m', snapshot: rest.body as unknown });
    // The full shape of the newest result the replay produced, not an older one.
    expect(stored?.candleTime).toBe(lastBtc1m?.candleTime);
    expect(ack.snapshot).toEqual({
      ...(stored === null ? {} : renderStoredResult(stored, new ResultFormatter())),
      source: 'replay',
    });
    expect(ack.snapshot).toMatchObject({
      exchange: 'binance',
      symbol: 'BTC/USDT',
      timeframe: '1m',
      candleTime: new Date(lastBtc1m?.candleTime ?? 0).toISOString(),
      replay: { inputHash: lastBtc1m?.inputHash },
      reasoning: expect.any(String),
      timeframes: expect.any(Array),
      effectiveWeights: expect.any(Object),
    });

    // The REST path form of the symbol names the same stream.
    expect(await ask(client, 'subscribe', { ...BTC_1M, symbol: 'BTC-USDT' })).toEqual(ack);
  });

  it('answers a null snapshot for a tracked stream without a result yet', async () => {
    const client = await open();
    expect(await ask(client, 'subscribe', LTC_1M)).toEqual({
      ok: true,
      room: 'binance:LTC/USDT:1m',
      snapshot: null,
    });
    await request(httpServerOf(app())).get('/v1/confluence/binance/LTC-USDT?timeframe=1m').expect(404);
  });

  it('delivers each update, signal change and opinion once, only to the subscribers of its stream', async () => {
    const [btc, ltc, both] = await Promise.all([open(), open(), open()]);
    const received = { btc: record(btc), ltc: record(ltc), both: record(both) };
    expect(await ask(btc, 'subscribe', BTC_1M)).toMatchObject({ ok: true });
    expect(await ask(ltc, 'subscribe', LTC_1M)).toMatchObject({ ok: true });
    // Subscribed twice to the same stream, under both symbol forms: still one room, one copy.
    expect(await ask(both, 'subscribe', BTC_1M)).toMatchObject({ ok: true });
    expect(await ask(both, 'subscribe', { ...BTC_1M, symbol: 'BTC-USDT' })).toMatchObject({ ok: true });

    await publish(update(BTC_1M, 1));
    await publishSignal(signalChange(BTC_1M, 1));
    await publishOpinion(opinion(BTC_1M, 1));
    await publish(update(LTC_1M, 2));
    await publishSignal(signalChange(LTC_1M, 2));
    await publishOpinion(opinion(LTC_1M, 2));
    await publishOpinion(opinion(BTC_5M, 3));
    await publish(update(BTC_5M, 3));
    // Markers last: a connection delivers in order, so once they arrive nothing earlier is pending.
    await publish(update(BTC_1M, 98));
    await publish(update(LTC_1M, 99));
    await eventually(
      () => hasUpdate(received.btc, 98) && hasUpdate(received.both, 98) && hasUpdate(received.ltc, 99),
      'the markers',
    );

    expect(received.btc).toEqual({
      updates: [update(BTC_1M, 1), update(BTC_1M, 98)],
      signals: [signalChange(BTC_1M, 1)],
      opinions: [opinion(BTC_1M, 1)],
    });
    expect(received.both).toEqual(received.btc);
    expect(received.ltc).toEqual({
      updates: [update(LTC_1M, 2), update(LTC_1M, 99)],
      signals: [signalChange(LTC_1M, 2)],
      opinions: [opinion(LTC_1M, 2)],
    });
  });

  it('stops delivering a stream after unsubscribe, and keeps the other subscriptions', async () => {
    const [leaving, staying] = await Promise.all([open(), open()]);
    const received = { leaving: record(leaving), staying: record(staying) };
    expect(await ask(leaving, 'subscribe', BTC_1M)).toMatchObject({ ok: true });
    expect(await ask(leaving, 'subscribe', LTC_1M)).toMatchObject({ ok: true });
    expect(await ask(staying, 'subscribe', BTC_1M)).toMatchObject({ ok: true });

    await publish(update(BTC_1M, 10));
    await eventually(() => hasUpdate(received.leaving, 10) && hasUpdate(received.staying, 10), 'update 10');
    expect(await ask(leaving, 'unsubscribe', { ...BTC_1M, symbol: 'BTC-USDT' })).toEqual({
      ok: true,
      room: 'binance:BTC/USDT:1m',
    });

    await publish(update(BTC_1M, 11));
    await publishSignal(signalChange(BTC_1M, 11));
    await publish(update(LTC_1M, 12));
    await eventually(() => hasUpdate(received.leaving, 12) && hasUpdate(received.staying, 11), 'the markers');

    expect(received.leaving).toEqual({
      updates: [update(BTC_1M, 10), update(LTC_1M, 12)],
      signals: [],
      opinions: [],
    });
    expect(received.staying).toEqual({
      updates: [update(BTC_1M, 10), update(BTC_1M, 11)],
      signals: [signalChange(BTC_1M, 11)],
      opinions: [],
    });
  });

  describe('bad subscriptions are answered with an error and the connection stays up', () => {
    const invalid = (fields: string[]): unknown => ({
      ok: false,
      error: {
        code: 'bad-request',
        message: 'invalid subscription',
        fields: fields.map((field) => ({ field, message: expect.any(String) })),
      },
    });
    const notObject = {
      ok: false,
      error: { code: 'bad-request', message: 'expected {exchange, symbol, timeframe}' },
    };
    const unknown = (what: string): unknown => ({
      ok: false,
      error: { code: 'unknown-market', message: expect.stringContaining(`${what} is not tracked`) },
    });

    it.each<[string, unknown[], unknown]>([
      ['an empty object', [{}], invalid(['exchange', 'symbol', 'timeframe'])],
      [
        'wrong types',
        [{ exchange: 7, symbol: ['BTC/USDT'], timeframe: true }],
        invalid(['exchange', 'symbol', 'timeframe']),
      ],
      ['an unknown timeframe', [{ ...BTC_1M, timeframe: '7m' }], invalid(['timeframe'])],
      ['a malformed symbol', [{ ...BTC_1M, symbol: 'btc usdt' }], invalid(['symbol'])],
      ['an extra property', [{ ...BTC_1M, room: 'binance:LTC/USDT:1m' }], invalid(['room'])],
      ['a string', ['binance:BTC/USDT:1m'], notObject],
      ['a number', [42], notObject],
      ['null', [null], notObject],
      ['an array', [[BTC_1M]], notObject],
      [
        'a property nested 200 deep',
        [{ ...BTC_1M, x: Array.from({ length: 200 }).reduce<unknown>((inner) => [inner], 1) }],
        {
          ok: false,
          error: { code: 'bad-request', message: `x${'[0]'.repeat(31)} is nested too deep` },
        },
      ],
      ['an unknown symbol', [{ ...BTC_1M, symbol: 'ETH/USDT' }], unknown('binance ETH/USDT 1m')],
      ['an unknown exchange', [{ ...BTC_1M, exchange: 'kraken' }], unknown('kraken BTC/USDT 1m')],
      ['an untracked timeframe', [{ ...BTC_1M, timeframe: '15m' }], unknown('binance BTC/USDT 15m')],
    ])('subscribe with %s', async (_, args, answer) => {
      const client = await open();
      const received = record(client);
      expect(await ask(client as LooseClient, 'subscribe', ...args)).toEqual(answer);
      // The refused subscription joined nothing: an update of that stream does not arrive.
      await publish(update(BTC_1M, 20));
      expect(client.connected).toBe(true);
      expect(await ask(client, 'subscribe', LTC_1M)).toEqual({
        ok: true,
        room: 'binance:LTC/USDT:1m',
        snapshot: null,
      });
      await publish(update(LTC_1M, 21));
      await eventually(() => hasUpdate(received, 21), 'update 21');
      expect(received.updates).toEqual([update(LTC_1M, 21)]);
    });

    it('answers a malformed unsubscribe the same way', async () => {
      const client = await open();
      expect(await ask(client as LooseClient, 'unsubscribe', { exchange: 'binance' })).toEqual(
        invalid(['symbol', 'timeframe']),
      );
      expect(await ask(client as LooseClient, 'unsubscribe', 'binance')).toEqual(notObject);
      expect(await ask(client, 'unsubscribe', BTC_1M)).toEqual({ ok: true, room: 'binance:BTC/USDT:1m' });
    });
  });

  it('refuses subscriptions beyond maxSubscriptionsPerSocket until one is given up', async () => {
    const client = await open();
    const limited = {
      ok: false,
      error: { code: 'limit-exceeded', message: 'at most 2 subscriptions per connection' },
    };
    expect(await ask(client, 'subscribe', BTC_1M)).toMatchObject({ ok: true });
    expect(await ask(client, 'subscribe', BTC_5M)).toMatchObject({ ok: true });
    expect(await ask(client, 'subscribe', LTC_1M)).toEqual(limited);
    // Repeating a subscription it holds is not a new one.
    expect(await ask(client, 'subscribe', BTC_1M)).toMatchObject({ ok: true });
    expect(gaugeValue(await metrics(), 'confluence_socket_subscriptions')).toBe(2);

    expect(await ask(client, 'unsubscribe', BTC_5M)).toMatchObject({ ok: true });
    expect(await ask(client, 'subscribe', LTC_1M)).toMatchObject({ ok: true, room: 'binance:LTC/USDT:1m' });
    expect(await ask(client, 'subscribe', BTC_5M)).toEqual(limited);
  });

  it('rate-limits subscribe messages beyond messagesPerSecond, then admits them again', async () => {
    const client = await open();
    // 100 at once against a bucket of 20 (twice 10/s) refilling at 10/s.
    const answers = await Promise.all(Array.from({ length: 100 }, () => ask(client, 'subscribe', BTC_1M)));
    const rateLimited = {
      ok: false,
      error: { code: 'rate-limited', message: 'at most 10 messages per second' },
    };
    for (const answer of answers.slice(0, 20)) expect(answer).toMatchObject({ ok: true });
    const refused = answers.filter((answer) => !(answer as { ok: boolean }).ok);
    expect(refused.length).toBeGreaterThan(0);
    for (const answer of refused) expect(answer).toEqual(rateLimited);
    expect(client.connected).toBe(true);
    // The bucket refills: a later subscribe is accepted on the same connection.
    let later: unknown;
    await eventually(
      async () => {
        later = await ask(client, 'subscribe', LTC_1M);
        return (later as { ok: boolean }).ok;
      },
      'the bucket to refill',
      { intervalMs: 250 },
    );
    expect(later).toEqual({ ok: true, room: 'binance:LTC/USDT:1m', snapshot: null });
  });

  describeAsyncApiConformance({ app, open, publish, publishSignal, publishOpinion });
});
