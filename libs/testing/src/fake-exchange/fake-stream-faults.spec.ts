import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { type Exchange, ExchangeError, NetworkError, RequestTimeout } from 'ccxt';
import { WebSocket } from 'ws';
import { eventually } from '../eventually.js';
import { alignedFakeDataset } from './candles.js';
import { type RawFrames, StreamBench } from './stream-harness.js';
import type { StreamFaultSpec } from './stream-types.js';
import type { FakeExchangeId } from './types.js';

const MIN = 60_000;
const DATASET = alignedFakeDataset();
const START = (DATASET.get('binance', 'BTC/USDT', '1m')?.[100]?.timestamp ?? 0) + 30_000;
const TRADES: Record<FakeExchangeId, string> = { binance: 'btcusdt@trade', bybit: 'publicTrade.BTCUSDT' };

let bench: StreamBench;
beforeEach(async () => {
  bench = await StreamBench.start(START, DATASET);
});
afterEach(async () => {
  await bench.stop();
});

async function failure(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a rejection');
}

/** Trade ids of the trade frames a client handled, in arrival order; `bad` for an unparsed frame. */
function tradeIds(id: FakeExchangeId, raw: RawFrames): (string | number)[] {
  return raw.flatMap((m): (string | number)[] => {
    if (typeof m === 'string') return ['bad'];
    const frame = m as Record<string, unknown>;
    if (id === 'binance') return frame.e === 'trade' ? [frame.t as number] : [];
    if (frame.topic !== TRADES.bybit) return [];
    return (frame.data as { i: string }[]).map((t) => t.i);
  });
}

/** A client subscribed to BTC/USDT trades (the subscription acknowledged). */
async function tradesClient(id: FakeExchangeId): Promise<{ ex: Exchange; raw: RawFrames }> {
  const client = await bench.connect(id, { quiet: true });
  void client.ex.watchTrades('BTC/USDT').catch(() => undefined);
  await bench.subscribed(id, TRADES[id]);
  await eventually(() => client.raw.length > 0, 'the acknowledgement');
  return client;
}

describe('subscriptions', () => {
  it.each([
    ['binance', /Invalid request/],
    ['bybit', /handler not found,topic:kline\.1\.BTCUSDT/],
  ] as const)('%s: a refused subscription rejects the watch with an exchange error', async (id, message) => {
    const { ex } = await bench.connect(id);
    bench.server.streamFault(id, { kind: 'refuseSubscription' }, { topic: /kline/ });
    const error = await failure(ex.watchOHLCV('BTC/USDT', '1m'));
    expect(error).toBeInstanceOf(ExchangeError);
    expect(error.message).toMatch(message);
    expect(bench.server.streamLog.map((e) => [e.op, e.topics, e.outcome])).toEqual([
      ['subscribe', [id === 'binance' ? 'btcusdt@kline_1m' : 'kline.1.BTCUSDT'], 'refused'],
    ]);
    // Other topics are not refused.
    const trades = ex.watchTrades('BTC/USDT');
    await bench.subscribed(id, TRADES[id]);
    await bench.advance(MIN);
    expect((await trades).length).toBeGreaterThan(0);
  });

  it('bybit: unknown and already-subscribed topics are refused as the live service does', async () => {
    const url = bench.server.bybitWsUrls().public.linear;
    const socket = new WebSocket(url);
    const answers: Record<string, unknown>[] = [];
    socket.on('message', (data: Buffer) =>
      answers.push(JSON.parse(data.toString()) as Record<string, unknown>),
    );
    await new Promise((resolve) => socket.once('open', resolve));
    const send = (body: unknown): void => {
      socket.send(JSON.stringify(body));
    };
    send({ op: 'subscribe', req_id: 'a', args: ['publicTrade.BTCUSDT'] });
    send({ op: 'subscribe', req_id: 'b', args: ['publicTrade.LTCUSDT', 'publicTrade.BTCUSDT'] });
    send({ op: 'subscribe', req_id: 'c', args: ['orderbook.30.BTCUSDT'] });
    send({ op: 'ping', req_id: 'd' });
    await eventually(() => answers.length === 4, 'four answers');
    // The refused request subscribed nothing, not even its valid topic.
    expect(bench.server.connections('bybit').map((c) => c.topics)).toEqual([['publicTrade.BTCUSDT']]);
    socket.terminate();
    expect(answers.map(({ conn_id: _, ...rest }) => rest)).toEqual([
      { success: true, ret_msg: '', req_id: 'a', op: 'subscribe' },
      {
        success: false,
        ret_msg: 'error:already subscribed,topic:publicTrade.BTCUSDT',
        req_id: 'b',
        op: 'subscribe',
      },
      {
        success: false,
        ret_msg: 'error:handler not found,topic:orderbook.30.BTCUSDT',
        req_id: 'c',
        op: 'subscribe',
      },
      { req_id: 'd', op: 'pong', args: [String(START)] },
    ]);
    await eventually(() => bench.server.connections('bybit').length === 0, 'the socket to close');
  });

  it('binance: sockets, paths and topics as ccxt spreads its subscriptions', async () => {
    const { ex } = await bench.connect('binance');
    const ignore = (): undefined => undefined; // closing the instance rejects them
    void ex
      .watchOHLCVForSymbols([
        ['BTC/USDT', '1m'],
        ['LTC/USDT', '1m'],
      ])
      .catch(ignore);
    void ex.watchOrderBook('BTC/USDT:USDT').catch(ignore);
    await bench.subscribed('binance', 'btcusdt@depth@100ms');
    await bench.subscribed('binance', 'ltcusdt@kline_1m');
    const sockets = bench.server.connections('binance').map((c) => [c.venue, c.path, c.topics]);
    expect(sockets).toEqual([
      ['spot', '/binance/stream.binance.com/ws/0', ['btcusdt@kline_1m', 'ltcusdt@kline_1m']],
      ['swap', '/binance/fstream.binance.com/public/ws/1', ['btcusdt@depth@100ms']],
    ]);
  });
});

describe('connection faults', () => {
  it.each(['binance', 'bybit'] as const)(
    '%s: a disconnect rejects pending watches (NetworkError); a new watch redials',
    async (id) => {
      const { ex } = await bench.connect(id);
      const pending = ex.watchTrades('BTC/USDT');
      await bench.subscribed(id, TRADES[id]);
      const before = bench.server.connections(id)[0]?.id;
      bench.server.streamFault(id, { kind: 'disconnect' });
      const error = await failure(pending);
      expect(error).toBeInstanceOf(NetworkError);
      expect(error.message).toMatch(/1006/);
      await eventually(() => bench.server.connections(id).length === 0, 'the socket to go');
      const again = ex.watchTrades('BTC/USDT');
      await bench.subscribed(id, TRADES[id]);
      expect(bench.server.connections(id)[0]?.id).not.toBe(before);
      await bench.advance(MIN);
      expect((await again).length).toBeGreaterThan(0);
    },
  );

  it('setDown: the upgrade is reset and the watch rejects with a NetworkError', async () => {
    const { ex } = await bench.connect('bybit');
    await ex.loadMarkets();
    bench.server.setDown('bybit', true);
    expect(await failure(ex.watchTrades('BTC/USDT'))).toBeInstanceOf(NetworkError);
  });

  it.each(['spot', 'linear'] as const)(
    'bybit %s: the application ping is answered with its pong',
    async (venue) => {
      const { ex } = await bench.connect('bybit');
      void ex.watchTrades(venue === 'spot' ? 'BTC/USDT' : 'BTC/USDT:USDT').catch(() => undefined);
      await bench.subscribed('bybit', TRADES.bybit);
      const client = ex.clients[bench.server.bybitWsUrls().public[venue]] as {
        lastPong?: number;
        send: (m: unknown) => Promise<unknown>;
      };
      expect(client.lastPong).toBeUndefined();
      await client.send(ex.ping(client as never));
      await eventually(() => client.lastPong !== undefined, 'the pong');
      expect(bench.server.streamLog.filter((e) => e.op === 'ping').map((e) => e.outcome)).toEqual(['ok']);
    },
  );

  it.each([
    ['bybit', { kind: 'noPong' }],
    ['binance', { kind: 'silence', pongs: false }],
  ] as const)(
    '%s: unanswered pings (%j) time the client out (RequestTimeout)',
    async (id, spec: StreamFaultSpec) => {
      const { ex } = await bench.connect(id, { keepAliveMs: 50 });
      const pending = ex.watchTrades('BTC/USDT');
      await bench.subscribed(id, TRADES[id]);
      bench.server.streamFault(id, spec);
      expect(await failure(pending)).toBeInstanceOf(RequestTimeout);
    },
  );

  it('binance: the server pings every 3 virtual minutes and ccxt answers', async () => {
    await tradesClient('binance');
    await bench.advance(2 * MIN);
    bench.server.pingStreams('binance');
    await eventually(() => bench.server.pongsReceived('binance') === 1, 'the pong to a manual ping');
    await bench.advance(MIN);
    await eventually(() => bench.server.pongsReceived('binance') === 2, 'the pong to the scheduled ping');
  });
});

describe('frame faults', () => {
  it.each(['binance', 'bybit'] as const)('%s: silence drops data frames until cleared', async (id) => {
    const { ex, raw } = await tradesClient(id);
    bench.server.streamFault(id, { kind: 'silence' });
    const pending = ex.watchTrades('BTC/USDT');
    expect(await bench.advance(MIN)).toBe(0);
    bench.server.clearStreamFaults();
    expect(await bench.advance(MIN)).toBeGreaterThan(0);
    const trades = await pending;
    expect(Math.min(...trades.map((t) => Number(t.timestamp)))).toBeGreaterThan(START + MIN);
    expect(tradeIds(id, raw).length).toBeGreaterThan(0);
  });

  const CUT = 'bad';
  it.each([
    ['binance', 'duplicate', ([a, ...rest]: unknown[]) => [a, a, ...rest]],
    ['bybit', 'duplicate', ([a, ...rest]: unknown[]) => [a, a, ...rest]],
    ['binance', 'reorder', ([a, b, ...rest]: unknown[]) => [b, a, ...rest]],
    ['bybit', 'reorder', ([a, b, ...rest]: unknown[]) => [b, a, ...rest]],
    ['binance', 'malformed', ([, ...rest]: unknown[]) => [CUT, ...rest]],
    ['bybit', 'malformed', ([, ...rest]: unknown[]) => [CUT, ...rest]],
  ] as const)(
    '%s: %s hits the next frame(s) of one socket, the rest flow as usual',
    async (id, kind, expected) => {
      const first = await tradesClient(id);
      const second = await tradesClient(id);
      bench.server.streamFault(id, { kind }, { topic: /BTCUSDT/i });
      const sent = await bench.advance(MIN);
      await eventually(
        () => tradeIds(id, first.raw).length + tradeIds(id, second.raw).length === sent,
        'every frame',
      );
      // The pump serves sockets in subscription order: the first one takes the fault.
      const clean = tradeIds(id, second.raw);
      expect(clean.length).toBeGreaterThan(3);
      expect(tradeIds(id, first.raw)).toEqual(expected(clean));
      expect(bench.server.pendingStreamFaults(id)).toBe(0);
    },
  );
});
