import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { AppConfig, loadConfig } from '@app/config';
import { InProcessEventBus } from '@app/bus';
import { AnalysisEventName, EventBus, type StreamRef, streamRoom } from '@app/contracts';
import {
  AccessPolicy,
  ApiKeyRing,
  GatewayMetrics,
  LatestResults,
  MarketBoard,
  ResultQueries,
} from '@app/gateway';
import {
  busEventFactory,
  createConfigFixture,
  eventually,
  type FastifyTestApp,
  startFastifyApp,
  storedResultFactory,
} from '@app/testing';
import { ask, connectClient, type SignalsClient } from '../../../../test/socket-kit.js';
import { SignalsIoAdapter } from './signals-io.adapter.js';
import { SignalsGateway } from './signals.gateway.js';
import { SocketRegistry } from './socket-registry.js';

/**
 * The real SignalsGateway (with its SubscriptionPipe, SocketRateGuard and SignalsExceptionFilter)
 * over fakes of MarketBoard, LatestResults and ResultQueries and the real in-process bus, mounted
 * with the production SignalsIoAdapter on Fastify and spoken to by real Socket.IO clients: what a
 * subscription acknowledges, every refusal in the acknowledgement, and which socket an update on
 * the bus reaches.
 */

/** The shipped app.yaml, with room for two subscriptions per socket (the limit is tested). */
function loadAppConfig(): AppConfig {
  const fixture = createConfigFixture();
  try {
    fixture.patch('app.yaml', 'maxSubscriptionsPerSocket: 50', 'maxSubscriptionsPerSocket: 2');
    return loadConfig({ env: { CONFIG_DIR: fixture.dir } }).app;
  } finally {
    fixture.cleanup();
  }
}
const APP = loadAppConfig();

const BTC_1M: StreamRef = { exchange: 'binance', symbol: 'BTC/USDT', timeframe: '1m' };
const BTC_5M: StreamRef = { exchange: 'binance', symbol: 'BTC/USDT', timeframe: '5m' };
const ETH_1M: StreamRef = { exchange: 'binance', symbol: 'ETH/USDT', timeframe: '1m' };
/** How a client names a stream: the path style `BTC-USDT` is accepted too. */
const asked = (stream: StreamRef) => ({ ...stream, symbol: stream.symbol.replace('/', '-') });

class FakeBoard implements Pick<MarketBoard, 'knows'> {
  readonly tracked = new Set([BTC_1M, BTC_5M, ETH_1M].map(streamRoom));
  readonly knows = jest.fn<MarketBoard['knows']>();
}

class FakeLatest implements Pick<LatestResults, 'get'> {
  readonly get = jest.fn<LatestResults['get']>();
}

class FakeQueries implements Pick<ResultQueries, 'present' | 'probabilityOf'> {
  readonly present = jest.fn<ResultQueries['present']>();
  readonly probabilityOf = jest.fn<ResultQueries['probabilityOf']>();
}

const board = new FakeBoard();
const latest = new FakeLatest();
const queries = new FakeQueries();
const registry = new SocketRegistry();
/** What the bus logs: a handler of the gateway that threw would show here. */
const busLog: string[] = [];
const bus = new InProcessEventBus({ warn: (line) => busLog.push(line), error: (line) => busLog.push(line) });
const metrics = new GatewayMetrics(
  {
    board: new MarketBoard([], 3, () => 0),
    sockets: () => registry.stats(),
    writes: () => ({ pending: 0, written: 0, dropped: 0, rejected: 0 }),
    now: () => 0,
  },
  { processMetrics: false },
);
let running: FastifyTestApp;
let gateway: SignalsGateway;

beforeAll(async () => {
  const moduleRef = await Test.createTestingModule({
    providers: [
      SignalsGateway,
      { provide: AppConfig, useValue: APP },
      { provide: ApiKeyRing, useValue: new ApiKeyRing([]) },
      { provide: AccessPolicy, useValue: new AccessPolicy('keys', APP.access) },
      { provide: MarketBoard, useValue: board },
      { provide: LatestResults, useValue: latest },
      { provide: ResultQueries, useValue: queries },
      { provide: EventBus, useValue: bus },
      { provide: GatewayMetrics, useValue: metrics },
      { provide: SocketRegistry, useValue: registry },
    ],
  }).compile();
  running = await startFastifyApp(moduleRef, new FastifyAdapter({ logger: false }), {
    configure: (app) => app.useWebSocketAdapter(new SignalsIoAdapter(app, APP)),
    listen: true,
  });
  gateway = running.app.get(SignalsGateway);
});

afterAll(async () => {
  await running.close();
});

const RESULT = storedResultFactory.build({ ...BTC_1M, score: 71 });
const SNAPSHOT = { presented: 'binance:BTC/USDT:1m', score: 71 };
const clients: SignalsClient[] = [];
const codeOf = (ack: unknown): string | undefined => (ack as { error?: { code: string } }).error?.code;

async function connect(): Promise<SignalsClient> {
  const client = await connectClient(running.port);
  clients.push(client);
  return client;
}

beforeEach(() => {
  board.knows.mockReset().mockImplementation((stream) => board.tracked.has(streamRoom(stream)));
  latest.get.mockReset().mockResolvedValue(RESULT);
  queries.present.mockReset().mockReturnValue(SNAPSHOT);
  queries.probabilityOf.mockReset().mockReturnValue(null);
  busLog.length = 0;
});

afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  // Every connection counted per IP is released once Socket.IO has seen the disconnects.
  await eventually(() => gateway.openConnections() === 0, 'every socket to be released');
  expect(registry.stats()).toEqual({ connections: 0, subscriptions: 0, rooms: 0 });
  expect(busLog).toEqual([]);
});

describe('subscribe', () => {
  it('acks {ok, room, snapshot}: the snapshot is the latest result as ResultQueries presents it', async () => {
    const client = await connect();

    const ack = await ask(client, 'subscribe', asked(BTC_1M));

    expect(ack).toEqual({ ok: true, room: 'binance:BTC/USDT:1m', snapshot: SNAPSHOT });
    expect(board.knows.mock.calls).toEqual([[BTC_1M]]);
    expect(latest.get.mock.calls).toEqual([[BTC_1M]]);
    expect(queries.present.mock.calls).toEqual([[RESULT]]);
    expect(registry.stats()).toEqual({ connections: 1, subscriptions: 1, rooms: 1 });
  });

  it('acks a null snapshot when there is no result yet, or when reading it fails', async () => {
    const client = await connect();
    latest.get.mockResolvedValueOnce(null).mockRejectedValueOnce(new Error('store timed out'));

    expect(await ask(client, 'subscribe', BTC_1M)).toEqual({
      ok: true,
      room: 'binance:BTC/USDT:1m',
      snapshot: null,
    });
    expect(await ask(client, 'subscribe', BTC_5M)).toEqual({
      ok: true,
      room: 'binance:BTC/USDT:5m',
      snapshot: null,
    });
    expect(queries.present).not.toHaveBeenCalled();
    // Subscribed all the same: the updates will come.
    expect(registry.stats()).toMatchObject({ subscriptions: 2 });
  });

  it('acks unknown-market for a stream the board does not know, and joins nothing', async () => {
    const client = await connect();

    const ack = await ask(client, 'subscribe', { exchange: 'binance', symbol: 'DOGE-USDT', timeframe: '1m' });

    expect(ack).toEqual({
      ok: false,
      error: { code: 'unknown-market', message: 'binance DOGE/USDT 1m is not tracked (GET /v1/markets)' },
    });
    expect(latest.get).not.toHaveBeenCalled();
    expect(registry.stats()).toMatchObject({ subscriptions: 0 });
  });

  it('acks bad-request, naming every field, for a malformed payload; bad-request for a non-object', async () => {
    const client = await connect();
    const badRequests = async (): Promise<number> =>
      (await metrics.socketRejected.get()).values.find(({ labels }) => labels.reason === 'bad-request')
        ?.value ?? 0;
    const before = await badRequests();

    const malformed = await ask(client, 'subscribe', {
      exchange: 'Binance!',
      symbol: 'btc',
      timeframe: '7m',
      x: 1,
    });
    const notAnObject = await ask(client, 'subscribe', 'binance:BTC/USDT:1m');

    expect(malformed).toMatchObject({
      ok: false,
      error: { code: 'bad-request', message: 'invalid subscription' },
    });
    const fields = (malformed as { error: { fields: { field: string }[] } }).error.fields.map((f) => f.field);
    expect(fields.sort()).toEqual(['exchange', 'symbol', 'timeframe', 'x']);
    expect(notAnObject).toEqual({
      ok: false,
      error: { code: 'bad-request', message: 'expected {exchange, symbol, timeframe}' },
    });
    expect(board.knows).not.toHaveBeenCalled();
    // Both counted as rejected, the payload that is not an object too.
    expect((await badRequests()) - before).toBe(2);
  });

  it('acks limit-exceeded past maxSubscriptionsPerSocket; a stream already held can be asked again', async () => {
    const client = await connect();

    expect(await ask(client, 'subscribe', BTC_1M)).toMatchObject({ ok: true });
    expect(await ask(client, 'subscribe', BTC_5M)).toMatchObject({ ok: true });
    const third = await ask(client, 'subscribe', ETH_1M);
    const again = await ask(client, 'subscribe', BTC_1M);

    expect(third).toEqual({
      ok: false,
      error: { code: 'limit-exceeded', message: 'at most 2 subscriptions per connection' },
    });
    expect(again).toMatchObject({ ok: true, room: 'binance:BTC/USDT:1m' });
    expect(registry.stats()).toEqual({ connections: 1, subscriptions: 2, rooms: 2 });
  });
});

describe('rate limit', () => {
  it('acks rate-limited past the burst (twice messagesPerSecond), before the payload is read', async () => {
    // The token buckets' clock stands still (timers stay real): no token comes back mid-test.
    const clock = jest.spyOn(performance, 'now').mockReturnValue(performance.now());
    try {
      const client = await connect();
      const burst = APP.socket.messagesPerSecond * 2;

      const acks = await Promise.all(
        Array.from({ length: burst + 3 }, () => ask(client, 'unsubscribe', { not: 'even a stream' })),
      );

      const codes = acks.map(codeOf);
      expect(codes.filter((code) => code === 'rate-limited')).toHaveLength(3);
      // The others got past the guard to the pipe, which refused their payload.
      expect(codes.filter((code) => code === 'bad-request')).toHaveLength(burst);
      expect(acks.find((ack) => codeOf(ack) === 'rate-limited')).toEqual({
        ok: false,
        error: {
          code: 'rate-limited',
          message: `at most ${APP.socket.messagesPerSecond} messages per second`,
        },
      });
    } finally {
      clock.mockRestore();
    }
  });
});

describe('updates from the bus', () => {
  it("reach the sockets in the stream's room, in bus order, and no other socket (opinions too)", async () => {
    const [subscriber, other] = [await connect(), await connect()];
    const seen = new Map<SignalsClient, { event: string; payload: unknown }[]>([
      [subscriber, []],
      [other, []],
    ]);
    for (const [client, list] of seen) {
      client.on('confluence.updated', (payload) => list.push({ event: 'confluence.updated', payload }));
      client.on('signal.changed', (payload) => list.push({ event: 'signal.changed', payload }));
      client.on('llm.opinion', (payload) => list.push({ event: 'llm.opinion', payload }));
    }
    expect(await ask(subscriber, 'subscribe', BTC_1M)).toMatchObject({ ok: true });
    // `other` held BTC 1m and left it; it stays subscribed to BTC 5m.
    expect(await ask(other, 'subscribe', BTC_1M)).toMatchObject({ ok: true });
    expect(await ask(other, 'unsubscribe', asked(BTC_1M))).toEqual({ ok: true, room: 'binance:BTC/USDT:1m' });
    expect(await ask(other, 'subscribe', BTC_5M)).toMatchObject({ ok: true });

    const first = busEventFactory.confluenceUpdated({ ...BTC_1M, score: 64 });
    const signal = busEventFactory.signalChanged({ ...BTC_1M, from: 'NEUTRAL', to: 'LONG', score: 64 });
    const fiveMinutes = busEventFactory.confluenceUpdated({ ...BTC_5M, score: 40 });
    const second = busEventFactory.confluenceUpdated({ ...BTC_1M, candleTime: first.candleTime + 60_000 });
    const opinion = busEventFactory.llmOpinion({ ...BTC_1M, candleTime: first.candleTime });
    await bus.publish(AnalysisEventName.ConfluenceUpdated, first);
    await bus.publish(AnalysisEventName.SignalChanged, signal);
    await bus.publish(AnalysisEventName.LlmOpinion, opinion);
    await bus.publish(AnalysisEventName.ConfluenceUpdated, fiveMinutes);
    await bus.publish(AnalysisEventName.ConfluenceUpdated, second);

    // Each socket's packets arrive in order: once the last update of its own rooms is in, an update
    // of another room published before it would have arrived too.
    await eventually(
      () => seen.get(subscriber)?.length === 4 && seen.get(other)?.length === 1,
      'the updates to reach the subscribers',
    );
    // Sockets get the live shape: the bus event without the domain result it carries.
    const live = ({ result, ...rest }: typeof first): Omit<typeof first, 'result'> => {
      expect(result).toEqual(expect.objectContaining({ candleTime: rest.candleTime }));
      return rest;
    };
    expect(seen.get(subscriber)).toEqual([
      { event: 'confluence.updated', payload: live(first) },
      { event: 'signal.changed', payload: signal },
      // The bus payload as published: the opinion beside the engine's score and label.
      { event: 'llm.opinion', payload: opinion },
      { event: 'confluence.updated', payload: live(second) },
    ]);
    expect(seen.get(other)).toEqual([{ event: 'confluence.updated', payload: live(fiveMinutes) }]);
    // No probability maps fitted yet: the live shape carries none.
    expect(queries.probabilityOf.mock.calls).toEqual([
      [first, 64],
      [fiveMinutes, 40],
      [second, second.score],
    ]);
    const emitted = await metrics.socketEmits.get();
    expect(emitted.values.map(({ labels, value }) => [labels.event, value]).sort()).toEqual([
      ['confluence.updated', 3],
      ['llm.opinion', 1],
      ['signal.changed', 1],
    ]);
  });

  it('carry the probability of an up move for their score, once the stream’s maps are fitted', async () => {
    const subscriber = await connect();
    const heard: unknown[] = [];
    subscriber.on('confluence.updated', (payload) => heard.push(payload));
    expect(await ask(subscriber, 'subscribe', BTC_1M)).toMatchObject({ ok: true });
    const probability = {
      '1': { sufficient: true, up: 0.53, n: 900, brier: 0.2481, brierBase: 0.2496 },
      '24': { sufficient: false, n: 610 },
    } as const;
    queries.probabilityOf.mockReturnValue(probability);

    const update = busEventFactory.confluenceUpdated({ ...BTC_1M, score: 58 });
    await bus.publish(AnalysisEventName.ConfluenceUpdated, update);
    await eventually(() => heard.length === 1, 'the update to reach the subscriber');

    const { result: _result, ...live } = update;
    expect(heard).toEqual([{ ...live, probability }]);
    expect(queries.probabilityOf.mock.calls).toEqual([[update, 58]]);
  });
});
