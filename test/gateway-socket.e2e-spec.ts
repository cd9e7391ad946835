import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { loadConfig } from '@app/config';
import {
  AnalysisEventName,
  type ConfluenceUpdatedEvent,
  type EventData,
  EventBus,
  type SignalChangedEvent,
  type Timeframe,
} from '@app/contracts';
import type { MarketDataStatus } from '@app/market';
import { ResultRepository, StoreWriter } from '@app/persistence';
import { createServiceApp } from '@app/platform';
import {
  type ConfigFixture,
  createConfigFixture,
  createReplayDataDir,
  httpServerOf,
  MARKET_FILES,
  type ReplayDataDir,
} from '@app/testing';
import { SignalsGateway } from '../apps/api-gateway/src/socket/signals.gateway.js';
import { SocketRegistry } from '../apps/api-gateway/src/socket/socket-registry.js';
import { localService } from '../local/local.definition.js';
import {
  ask,
  connectClient,
  gaugeValue,
  type LooseClient,
  RawSignalsPeer,
  refusal,
  type SignalsClient,
  tcpSocketOf,
  until,
} from './socket-kit.js';

/**
 * The Socket.IO namespace /signals of the whole app in local mode, listening on a real port, with
 * socket.io-client (and a hand-written Engine.IO peer for dead connections). Updates are put on
 * the app's own bus, as the analysis worker does, once the replay has finished.
 */

interface Stream {
  readonly exchange: string;
  readonly symbol: string;
  readonly timeframe: Timeframe;
}

const BTC_1M: Stream = { exchange: 'binance', symbol: 'BTC/USDT', timeframe: '1m' };
const BTC_5M: Stream = { exchange: 'binance', symbol: 'BTC/USDT', timeframe: '5m' };
/** Tracked (its replay file exists) but too short to warm up: never has a result. */
const LTC_1M: Stream = { exchange: 'binance', symbol: 'LTC/USDT', timeframe: '1m' };

const REPLAY = [
  { file: MARKET_FILES.btc1m, limit: 250 },
  { file: MARKET_FILES.btc5m, limit: 5 },
  { file: MARKET_FILES.ltc1m, limit: 5 },
];

const API_KEY = 'socket-test-key-8d1f0c2e9a7b4d65';

interface Running {
  readonly app: INestApplication;
  readonly port: number;
  readonly fixture: ConfigFixture;
  readonly data: ReplayDataDir;
}

interface SocketSettings {
  readonly maxSubscriptionsPerSocket: number;
  readonly maxConnectionsPerIp: number;
  readonly messagesPerSecond: number;
  readonly pingIntervalMs: number;
  readonly pingTimeoutMs: number;
}

/** Boots local mode with app.yaml's `socket:` section replaced, and waits out the replay. */
async function boot(
  socket: SocketSettings,
  options: { readonly socketsRequireKey?: boolean; readonly onBus?: (bus: EventBus) => void } = {},
): Promise<Running> {
  const data = createReplayDataDir(REPLAY);
  const fixture = createConfigFixture();
  fixture.patch('exchanges.yaml', 'speed: 60', 'speed: max');
  fixture.patch('app.yaml', 'logUpdates: true', 'logUpdates: false');
  const section = Object.entries({ ...socket, maxMessageBytes: 16_384 })
    .map(([key, value]) => `  ${key}: ${value}\n`)
    .join('');
  const appYaml = readFileSync(join(fixture.dir, 'app.yaml'), 'utf8');
  const replaced = appYaml.replace(/^socket:\n(?: {2}.*\n)+/m, `socket:\n${section}`);
  expect(replaced).not.toBe(appYaml);
  fixture.write('app.yaml', replaced);
  if (options.socketsRequireKey === true)
    fixture.patch('app.yaml', 'socketsRequireKey: false', 'socketsRequireKey: true');
  const config = loadConfig({
    env: {
      CONFIG_DIR: fixture.dir,
      DATA_DIR: data.dir,
      API_KEY_HASHES: `sockets:${createHash('sha256').update(API_KEY).digest('hex')}`,
    },
  });
  const app = await createServiceApp(config, localService);
  options.onBus?.(app.get(EventBus));
  await app.listen(0, '127.0.0.1');
  const { port } = httpServerOf(app).address() as AddressInfo;
  await until(
    async () => {
      const status = (await request(httpServerOf(app)).get('/health/market-data').expect(200))
        .body as MarketDataStatus;
      return status.replay?.finished === true;
    },
    'the replay to finish',
    { deadlineMs: 60_000, everyMs: 50 },
  );
  await app.get(StoreWriter).flush();
  return { app, port, fixture, data };
}

async function stop(running: Running | undefined): Promise<void> {
  await running?.app.close();
  running?.fixture.cleanup();
  running?.data.cleanup();
}

/** A valid `confluence.updated` payload of a stream (trigger refresh: published, never stored). */
function update(stream: Stream, n: number): EventData<ConfluenceUpdatedEvent> {
  return {
    ...stream,
    source: 'replay',
    emittedAt: 1_700_000_000_000 + n,
    candleTime: 1_613_692_800_000 + n * 60_000,
    trigger: 'refresh',
    inputEmittedAt: 1_700_000_000_000 + n,
    computedAt: 1_700_000_000_000 + n,
    score: 40 + (n % 20),
    label: 'NEUTRAL',
    confidence: 12.5,
    coverage: 0.25,
    components: {
      orderFlow: null,
      orderBook: null,
      volume: 55,
      priceStructure: 48,
      technical: 41.5,
      sentiment: null,
    },
    engineVersion: 'test-engine',
    configHash: 'c'.repeat(64),
    inputHash: n.toString(16).padStart(64, '0'),
    reasoning: `update ${n}`,
  };
}

function signalChange(stream: Stream, n: number): EventData<SignalChangedEvent> {
  return {
    ...stream,
    source: 'replay',
    emittedAt: 1_700_000_000_000 + n,
    time: 1_613_692_800_000 + n * 60_000,
    from: 'SHORT',
    to: 'LONG',
    score: 71,
    confidence: 33,
  };
}

/** Everything a client receives, in arrival order. */
interface Received {
  readonly updates: EventData<ConfluenceUpdatedEvent>[];
  readonly signals: EventData<SignalChangedEvent>[];
}

function record(client: SignalsClient): Received {
  const received: Received = { updates: [], signals: [] };
  client.on('confluence.updated', (event) => received.updates.push(event));
  client.on('signal.changed', (event) => received.signals.push(event));
  return received;
}

/** Whether a client has received the update marked `n` (a marker published last, to flush). */
const hasUpdate = (received: Received, n: number): boolean =>
  received.updates.some((event) => event.reasoning === `update ${n}`);

describe('Socket.IO /signals in local mode', () => {
  let running: Running | undefined;
  const clients: SignalsClient[] = [];
  /** Candle time and input hash of the last BTC/USDT 1m result the replay published. */
  let lastBtc1m: { candleTime: number; inputHash: string } | undefined;

  const port = (): number => running?.port ?? 0;
  const app = (): INestApplication => {
    if (running === undefined) throw new Error('app not running');
    return running.app;
  };
  const publish = async (event: EventData<ConfluenceUpdatedEvent>): Promise<void> => {
    await app().get(EventBus).publish(AnalysisEventName.ConfluenceUpdated, event);
  };
  const publishSignal = async (event: EventData<SignalChangedEvent>): Promise<void> => {
    await app().get(EventBus).publish(AnalysisEventName.SignalChanged, event);
  };
  const open = async (options: Parameters<typeof connectClient>[1] = {}): Promise<SignalsClient> => {
    const client = await connectClient(port(), options);
    clients.push(client);
    return client;
  };
  const metrics = async (): Promise<string> =>
    (await request(httpServerOf(app())).get('/metrics').expect(200)).text;

  beforeAll(async () => {
    running = await boot(
      {
        maxSubscriptionsPerSocket: 2,
        maxConnectionsPerIp: 2000,
        messagesPerSecond: 10,
        // A peer that does not answer a ping (every second) within 5 s is dropped; live clients
        // have 5 s to answer, ample while 700 connections share this process.
        pingIntervalMs: 1000,
        pingTimeoutMs: 5000,
      },
      {
        onBus: (bus) =>
          bus.subscribe(AnalysisEventName.ConfluenceUpdated, (event) => {
            if (event.symbol === 'BTC/USDT' && event.timeframe === '1m')
              lastBtc1m = { candleTime: event.candleTime, inputHash: event.inputHash };
          }),
      },
    );
  }, 90_000);

  afterEach(async () => {
    for (const client of clients.splice(0)) client.close();
    // Each test starts from an empty namespace, so its counts are its own.
    await until(() => app().get(SignalsGateway).openConnections() === 0, 'every connection to close');
  });

  afterAll(async () => {
    for (const client of clients.splice(0)) client.close();
    await stop(running);
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
    expect(ack.snapshot).toEqual({ ...stored?.breakdown, source: 'replay' });
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

  it('delivers each update and signal change once, only to the subscribers of its stream', async () => {
    const [btc, ltc, both] = await Promise.all([open(), open(), open()]);
    const received = { btc: record(btc), ltc: record(ltc), both: record(both) };
    expect(await ask(btc, 'subscribe', BTC_1M)).toMatchObject({ ok: true });
    expect(await ask(ltc, 'subscribe', LTC_1M)).toMatchObject({ ok: true });
    // Subscribed twice to the same stream, under both symbol forms: still one room, one copy.
    expect(await ask(both, 'subscribe', BTC_1M)).toMatchObject({ ok: true });
    expect(await ask(both, 'subscribe', { ...BTC_1M, symbol: 'BTC-USDT' })).toMatchObject({ ok: true });

    await publish(update(BTC_1M, 1));
    await publishSignal(signalChange(BTC_1M, 1));
    await publish(update(LTC_1M, 2));
    await publishSignal(signalChange(LTC_1M, 2));
    await publish(update(BTC_5M, 3));
    // Markers last: a connection delivers in order, so once they arrive nothing earlier is pending.
    await publish(update(BTC_1M, 98));
    await publish(update(LTC_1M, 99));
    await until(
      () => hasUpdate(received.btc, 98) && hasUpdate(received.both, 98) && hasUpdate(received.ltc, 99),
      'the markers',
    );

    expect(received.btc).toEqual({
      updates: [update(BTC_1M, 1), update(BTC_1M, 98)],
      signals: [signalChange(BTC_1M, 1)],
    });
    expect(received.both).toEqual(received.btc);
    expect(received.ltc).toEqual({
      updates: [update(LTC_1M, 2), update(LTC_1M, 99)],
      signals: [signalChange(LTC_1M, 2)],
    });
  });

  it('stops delivering a stream after unsubscribe, and keeps the other subscriptions', async () => {
    const [leaving, staying] = await Promise.all([open(), open()]);
    const received = { leaving: record(leaving), staying: record(staying) };
    expect(await ask(leaving, 'subscribe', BTC_1M)).toMatchObject({ ok: true });
    expect(await ask(leaving, 'subscribe', LTC_1M)).toMatchObject({ ok: true });
    expect(await ask(staying, 'subscribe', BTC_1M)).toMatchObject({ ok: true });

    await publish(update(BTC_1M, 10));
    await until(() => hasUpdate(received.leaving, 10) && hasUpdate(received.staying, 10), 'update 10');
    expect(await ask(leaving, 'unsubscribe', { ...BTC_1M, symbol: 'BTC-USDT' })).toEqual({
      ok: true,
      room: 'binance:BTC/USDT:1m',
    });

    await publish(update(BTC_1M, 11));
    await publishSignal(signalChange(BTC_1M, 11));
    await publish(update(LTC_1M, 12));
    await until(() => hasUpdate(received.leaving, 12) && hasUpdate(received.staying, 11), 'the markers');

    expect(received.leaving).toEqual({ updates: [update(BTC_1M, 10), update(LTC_1M, 12)], signals: [] });
    expect(received.staying).toEqual({
      updates: [update(BTC_1M, 10), update(BTC_1M, 11)],
      signals: [signalChange(BTC_1M, 11)],
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
      await until(() => hasUpdate(received, 21), 'update 21');
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
    await until(
      async () => {
        later = await ask(client, 'subscribe', LTC_1M);
        return (later as { ok: boolean }).ok;
      },
      'the bucket to refill',
      { everyMs: 250 },
    );
    expect(later).toEqual({ ok: true, room: 'binance:LTC/USDT:1m', snapshot: null });
  });

  it('a client dropped by the server reconnects, subscribes again and gets updates again', async () => {
    const client = await open({ reconnection: true, reconnectionDelay: 50, reconnectionDelayMax: 100 });
    const received = record(client);
    const acks: unknown[] = [];
    const disconnects: string[] = [];
    // What a client does on every (re)connect: subscribe to its markets.
    const resubscribe = (): void => {
      void ask(client, 'subscribe', BTC_1M).then((ack) => acks.push(ack));
    };
    client.on('connect', resubscribe);
    client.on('disconnect', (reason) => disconnects.push(reason));
    resubscribe();
    await until(() => acks.length === 1, 'the first subscription');

    await publish(update(BTC_1M, 30));
    await until(() => hasUpdate(received, 30), 'update 30');

    // The server drops a connection whose message exceeds socket.maxMessageBytes (16 KiB).
    client.emit('subscribe', { ...BTC_1M, exchange: 'x'.repeat(20_000) }, () => undefined);
    await until(() => acks.length === 2, 'the subscription after the first reconnect');
    expect(disconnects).toEqual(['transport close']);
    await until(
      () => app().get(SignalsGateway).openConnections() === 1,
      'the dropped connection to be released',
    );
    await publish(update(BTC_1M, 31));
    await until(() => hasUpdate(received, 31), 'update 31');

    // The connection closes under the client, without a Socket.IO disconnect.
    client.io.engine.close();
    await until(() => acks.length === 3, 'the subscription after the second reconnect');
    await until(
      () => app().get(SignalsGateway).openConnections() === 1,
      'the closed connection to be released',
    );
    await publish(update(BTC_1M, 32));
    await publish(update(BTC_1M, 33));
    await until(() => hasUpdate(received, 33), 'update 33');

    expect(acks).toHaveLength(3);
    expect(disconnects).toEqual(['transport close', 'forced close']);
    for (const ack of acks)
      expect(ack).toMatchObject({ ok: true, room: 'binance:BTC/USDT:1m', snapshot: expect.any(Object) });
    // Once each: no copy for a connection that is gone, none lost after a reconnect.
    expect(received.updates).toEqual([30, 31, 32, 33].map((n) => update(BTC_1M, n)));
    expect(gaugeValue(await metrics(), 'confluence_socket_connections')).toBe(1);
  });

  it('500 clients killed without a close handshake and 200 dead peers leave no connection, subscription or room', async () => {
    const streams = [BTC_1M, BTC_5M, LTC_1M];
    const killed: SignalsClient[] = [];
    const peers: RawSignalsPeer[] = [];
    try {
      for (let batch = 0; batch < 10; batch += 1)
        killed.push(...(await Promise.all(Array.from({ length: 50 }, () => connectClient(port())))));
      // Every client one stream, every other client a second one: 750 subscriptions over 3 rooms.
      await Promise.all(
        killed.map(async (client, i) => {
          expect(await ask(client, 'subscribe', streams[i % 3])).toMatchObject({ ok: true });
          if (i % 2 === 0)
            expect(await ask(client, 'subscribe', streams[(i + 1) % 3])).toMatchObject({ ok: true });
        }),
      );
      for (let batch = 0; batch < 4; batch += 1)
        peers.push(...(await Promise.all(Array.from({ length: 50 }, () => RawSignalsPeer.open(port())))));
      const peerAcks = await Promise.all(peers.map((peer, i) => peer.joinAndSubscribe(streams[i % 3])));
      for (const ack of peerAcks) expect(ack).toMatchObject({ ok: true });

      const before = await metrics();
      expect(gaugeValue(before, 'confluence_socket_connections')).toBe(700);
      expect(gaugeValue(before, 'confluence_socket_subscriptions')).toBe(950);
      expect(gaugeValue(before, 'confluence_socket_rooms')).toBe(3);
      expect(app().get(SignalsGateway).openConnections()).toBe(700);

      // (a) The TCP connection under each client goes away with no WebSocket close frame and no
      // Socket.IO disconnect: half with a FIN (destroy), half with a RST (resetAndDestroy).
      killed.forEach((client, i) => {
        const tcp = tcpSocketOf(client);
        if (i % 2 === 0) tcp.destroy();
        else tcp.resetAndDestroy();
      });
      await until(
        async () => {
          const text = await metrics();
          return (
            gaugeValue(text, 'confluence_socket_connections') === 200 &&
            gaugeValue(text, 'confluence_socket_subscriptions') === 200
          );
        },
        'the killed clients to be cleaned up',
        { deadlineMs: 60_000, everyMs: 100 },
      );
      expect(gaugeValue(await metrics(), 'confluence_socket_rooms')).toBe(3);
      expect(app().get(SignalsGateway).openConnections()).toBe(200);

      // (b) The peers stop answering pings and reading, their TCP connections left open: only the
      // server's ping timeout can find out they are gone.
      for (const peer of peers) peer.goSilent();
      await until(
        async () => {
          const text = await metrics();
          return (
            gaugeValue(text, 'confluence_socket_connections') === 0 &&
            gaugeValue(text, 'confluence_socket_subscriptions') === 0 &&
            gaugeValue(text, 'confluence_socket_rooms') === 0
          );
        },
        'the dead peers to time out',
        { deadlineMs: 60_000, everyMs: 100 },
      );
      expect(app().get(SignalsGateway).openConnections()).toBe(0);

      // The namespace still serves: a new subscriber gets the next update, once.
      const fresh = await open();
      const received = record(fresh);
      expect(await ask(fresh, 'subscribe', BTC_5M)).toMatchObject({ ok: true });
      await publish(update(BTC_5M, 40));
      await publish(update(BTC_5M, 41));
      await until(() => hasUpdate(received, 41), 'update 41');
      expect(received.updates).toEqual([update(BTC_5M, 40), update(BTC_5M, 41)]);
    } finally {
      for (const client of killed) client.close();
      for (const peer of peers) peer.destroy();
    }
  }, 180_000);
});

describe('Socket.IO /signals access and per-IP limits', () => {
  let running: Running | undefined;
  const clients: SignalsClient[] = [];
  const port = (): number => running?.port ?? 0;
  const open = async (options: Parameters<typeof connectClient>[1] = {}): Promise<SignalsClient> => {
    const client = await connectClient(port(), options);
    clients.push(client);
    return client;
  };
  const openConnections = (): number => running?.app.get(SignalsGateway).openConnections() ?? -1;
  const namespaceConnections = (): number => running?.app.get(SocketRegistry).stats().connections ?? -1;

  beforeAll(async () => {
    running = await boot(
      {
        maxSubscriptionsPerSocket: 50,
        maxConnectionsPerIp: 3,
        messagesPerSecond: 10,
        pingIntervalMs: 25_000,
        pingTimeoutMs: 20_000,
      },
      { socketsRequireKey: true },
    );
  }, 90_000);

  afterEach(async () => {
    for (const client of clients.splice(0)) client.close();
    // The namespace, not the per-IP count: the last test shows that count can be left behind.
    await until(() => namespaceConnections() === 0, 'every connection to close');
  });

  afterAll(async () => {
    for (const client of clients.splice(0)) client.close();
    await stop(running);
  });

  it('refuses a connection without a valid API key and admits one with it', async () => {
    const unauthorized = /^unauthorized: a valid API key is required/;
    expect(await refusal(port())).toMatch(unauthorized);
    expect(await refusal(port(), { auth: { apiKey: `${API_KEY}x` } })).toMatch(unauthorized);
    expect(await refusal(port(), { auth: { apiKey: 42 } })).toMatch(unauthorized);
    expect(await refusal(port(), { extraHeaders: { 'x-api-key': 'nope' } })).toMatch(unauthorized);
    expect(openConnections()).toBe(0);

    const byAuth = await open({ auth: { apiKey: API_KEY } });
    const byHeader = await open({ extraHeaders: { 'x-api-key': API_KEY } });
    for (const client of [byAuth, byHeader])
      expect(await ask(client, 'subscribe', BTC_1M)).toMatchObject({ ok: true, room: 'binance:BTC/USDT:1m' });
    expect(openConnections()).toBe(2);
  });

  it('refuses connections beyond maxConnectionsPerIp and admits one again after a close', async () => {
    const auth = { auth: { apiKey: API_KEY } };
    const [first] = await Promise.all([open(auth), open(auth), open(auth)]);
    expect(await refusal(port(), auth)).toBe('too many connections from this address (max 3)');
    // A refused connection takes no place.
    expect(openConnections()).toBe(3);

    first.close();
    await until(() => openConnections() === 2, 'the closed connection to be released');
    const again = await open(auth);
    expect(await ask(again, 'subscribe', LTC_1M)).toEqual({
      ok: true,
      room: 'binance:LTC/USDT:1m',
      snapshot: null,
    });
    expect(openConnections()).toBe(3);
  });

  it('a connection closed while it is being admitted gives its place back', async () => {
    const auth = { auth: { apiKey: API_KEY } };
    const connect = `40/signals,${JSON.stringify({ apiKey: API_KEY })}`;
    // On its own, this CONNECT is admitted.
    const control = await RawSignalsPeer.open(port());
    control.send(connect);
    await control.next((text) => text.startsWith('40/signals,{"sid"'));
    control.destroy();
    await until(() => openConnections() === 0, 'the control connection to be released');

    // Three times (the per-IP limit): CONNECT and a malformed packet in one TCP write. The server
    // closes the connection for the bad packet while /signals is still admitting the socket.
    for (let attempt = 0; attempt < 3; attempt += 1) {
      const peer = await RawSignalsPeer.open(port());
      peer.sendTogether([connect, '42/signals,0["subscribe",']);
      await peer.whenClosed();
    }
    expect(namespaceConnections()).toBe(0);

    // Nothing is connected, so the whole allowance of 3 must be free again.
    await Promise.all([open(auth), open(auth), open(auth)]);
    expect(openConnections()).toBe(3);
  });
});
