import { connect as connectTcp } from 'node:net';
import { get } from 'node:http';
import { setTimeout as delay } from 'node:timers/promises';
import { describe, expect, it } from '@jest/globals';
import { io } from 'socket.io-client';
import { loadConfig } from '@app/config';
import { createConfluenceEngine, ResultFormatter } from '@app/confluence';
import { AnalysisEventName, type ServerShutdownNotice, SIGNALS_NAMESPACE, streamRoom } from '@app/contracts';
import { eventually, loadMarketCandles, MARKET_FILES, PROJECT_CONFIG_DIR } from '@app/testing';
import { type AsyncApiDocumentLike, asyncApiMessages } from './asyncapi-messages.js';
import { HttpLoad, type LoadRequest } from './drain-load-kit.js';
import { BTC_1M, KEYS, LTC_5M, T0, twoGatewayCluster, update } from './gateway-cluster-kit.js';
import type { SignalsClient } from './socket-kit.js';

/**
 * SIGTERM to one of two api-gateway replicas (distributed mode, real Redis) under steady load:
 * keep-alive REST clients sending GET latest, liveness and POST analyze back to back, an idle
 * keep-alive connection, and Socket.IO subscribers receiving live updates. The replica must say
 * it is draining (readiness 503) at once, keep answering during the drain delay, answer every
 * request it took completely and correctly, refuse new connections only once it stops listening
 * (TCP level: a balancer retries), tell each socket to reconnect before closing it, and exit 0.
 * The subscribers then reconnect to the other replica (what a balancer would give them).
 */

/** The pre-stop delay: the replica keeps serving this long after SIGTERM, readiness saying 503. */
const DRAIN_DELAY_MS = 1500;
const SOCKETS = 3;
const CLIENTS_PER_REQUEST = 2;

interface Probe {
  readonly status: number | 'refused';
  readonly body: unknown;
}

/** GET /health/ready on a connection of its own, as a balancer's health check sends it. */
function probeReadiness(port: number): Promise<Probe> {
  return new Promise((resolve) => {
    const sent = get({ host: '127.0.0.1', port, path: '/health/ready', agent: false }, (response) => {
      let text = '';
      response.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
      response.on('end', () => {
        resolve({ status: response.statusCode ?? 0, body: JSON.parse(text) as unknown });
      });
    });
    sent.on('error', () => {
      resolve({ status: 'refused', body: null });
    });
  });
}

/** A keep-alive connection that sends one request and then stays idle. */
async function idleConnection(port: number): Promise<{ readonly closed: Promise<string> }> {
  const socket = connectTcp(port, '127.0.0.1');
  let received = '';
  const closed = new Promise<string>((resolve) => {
    socket.on('close', () => {
      resolve(received);
    });
  });
  socket.setEncoding('utf8').on('data', (chunk: string) => (received += chunk));
  socket.on('error', () => undefined);
  socket.write(`GET /health/live HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: keep-alive\r\n\r\n`);
  await eventually(() => received.includes('"status":"ok"'), 'the idle connection to be answered once');
  return { closed };
}

interface Subscriber {
  readonly socket: SignalsClient;
  /** What it received, in order: `update <candleTime>`, `shutdown`, `disconnect <reason>`. */
  readonly events: string[];
  readonly notices: ServerShutdownNotice[];
}

async function subscriber(port: number): Promise<Subscriber> {
  const socket: SignalsClient = io(`http://127.0.0.1:${port}${SIGNALS_NAMESPACE}`, {
    forceNew: true,
    transports: ['websocket'],
    reconnection: false,
  });
  const events: string[] = [];
  const notices: ServerShutdownNotice[] = [];
  socket.on('confluence.updated', (event) => events.push(`update ${event.candleTime}`));
  socket.on('server.shutdown', (notice) => {
    events.push('shutdown');
    notices.push(notice);
  });
  socket.on('disconnect', (reason) => events.push(`disconnect ${reason}`));
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('connect_error', reject);
  });
  expect(await socket.emitWithAck('subscribe', BTC_1M)).toMatchObject({ ok: true, room: streamRoom(BTC_1M) });
  return { socket, events, notices };
}

describe('api-gateway drain on SIGTERM, two replicas on real Redis', () => {
  const { eventBus, gateway } = twoGatewayCluster({
    configure: (fixture) => {
      // The load is one client address: the limits must not be what answers it.
      fixture.patch(
        'app.yaml',
        'default: { limit: 120, ttlSeconds: 60 }',
        'default: { limit: 1000000, ttlSeconds: 60 }',
      );
      fixture.patch(
        'app.yaml',
        'analyze: { limit: 20, ttlSeconds: 60 }',
        'analyze: { limit: 1000000, ttlSeconds: 60 }',
      );
      fixture.patch('app.yaml', 'drainDelayMs: 0', `drainDelayMs: ${DRAIN_DELAY_MS}`);
    },
  });

  it('answers every request it took, reports draining, hints each socket to reconnect, and exits 0', async () => {
    const [a, b] = [gateway(0), gateway(1)];
    // GET latest serves the published domain result of LTC/USDT 1m (a stream only this test uses).
    const config = loadConfig({ env: { NODE_ENV: 'test', CONFIG_DIR: PROJECT_CONFIG_DIR } });
    const candles = loadMarketCandles(MARKET_FILES.btc1m, 300);
    const outcome = createConfluenceEngine(config).analyzeCandles(
      { exchange: 'binance', symbol: 'LTC/USDT', candles: { '1m': candles } },
      (candles.at(-1)?.timestamp ?? 0) + 60_000,
    );
    if (outcome.status !== 'ready') throw new Error(`expected a result, got ${outcome.status}`);
    await eventBus().publish(AnalysisEventName.ConfluenceUpdated, {
      ...update(LTC_5M, outcome.result.candleTime),
      timeframe: '1m',
      result: { ...outcome.result },
    });
    const latest: unknown = JSON.parse(JSON.stringify(new ResultFormatter().full(outcome.result)));
    const latestPath = '/v1/confluence/binance/LTC-USDT?timeframe=1m';
    await eventually(
      async () => (await fetch(`http://127.0.0.1:${a.port}${latestPath}`)).status === 200,
      'gateway A to serve the latest result',
    );
    const analyzeBody = JSON.stringify({ symbol: 'BTC/USDT', candles: { '1m': candles.slice(0, 200) } });
    const analyzed = (await (
      await fetch(`http://127.0.0.1:${a.port}/v1/confluence/analyze`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': KEYS.alpha },
        body: analyzeBody,
      })
    ).json()) as Record<string, unknown>;
    expect(typeof analyzed.score).toBe('number');
    // The live API's document: the shutdown notices received are checked against it.
    const asyncApi = asyncApiMessages(
      (await (await fetch(`http://127.0.0.1:${a.port}/docs/asyncapi.json`)).json()) as AsyncApiDocumentLike,
    );

    const requests: LoadRequest[] = [
      {
        name: 'GET latest',
        method: 'GET',
        path: latestPath,
        check: (status, body) => {
          const { source, ...rendered } = body as Record<string, unknown>;
          return status === 200 && source === 'live' && JSON.stringify(rendered) === JSON.stringify(latest)
            ? null
            : 'not the latest result';
        },
      },
      {
        name: 'GET live',
        method: 'GET',
        path: '/health/live',
        check: (status, body) =>
          status === 200 && (body as { status?: unknown }).status === 'ok' ? null : 'not alive',
      },
      {
        name: 'POST analyze',
        method: 'POST',
        path: '/v1/confluence/analyze',
        headers: { 'x-api-key': KEYS.alpha },
        body: analyzeBody,
        check: (status, body) => {
          const got = body as Record<string, unknown>;
          return status === 200 &&
            ['score', 'label', 'inputHash', 'configHash'].every((field) => got[field] === analyzed[field])
            ? null
            : 'not the analysis of the posted candles';
        },
      },
    ];

    // Live updates of BTC/USDT 1m all along, to subscribers on A.
    const subscribers = await Promise.all(Array.from({ length: SOCKETS }, () => subscriber(a.port)));
    const publishing = new AbortController();
    let published = 0;
    const publisher = (async () => {
      while (!publishing.signal.aborted) {
        await eventBus().publish(
          AnalysisEventName.ConfluenceUpdated,
          update(BTC_1M, T0 + published * 60_000),
        );
        published += 1;
        await delay(50);
      }
    })();
    const idle = await idleConnection(a.port);
    const load = new HttpLoad(a.port, requests, CLIENTS_PER_REQUEST);
    try {
      await eventually(
        () =>
          requests.every((r) => load.of('ok').filter((o) => o.request === r.name).length >= 10) &&
          subscribers.every((s) => s.events.some((e) => e.startsWith('update'))),
        'steady load on gateway A',
      );
      expect(load.outcomes.filter((o) => o.kind !== 'ok')).toEqual([]);

      load.signalled();
      a.process.signal('SIGTERM');
      const probes: Probe[] = [];
      for (;;) {
        const probe = await probeReadiness(a.port);
        probes.push(probe);
        if (probe.status === 'refused') break;
        await delay(20);
      }
      const exit = await a.process.exited;
      await load.finished();

      // Exited 0 within its shutdown timeout (past it the process exits 1), having drained.
      const errors = a.process.output.split('\n').filter((line) => /"level":"(error|fatal)"/.test(line));
      expect({ exit, errors }).toEqual({ exit: { code: 0, signal: null }, errors: [] });
      expect(a.process.stdout).toMatch(
        /"drained: \d+ request\(s\) taken after SIGTERM; 3 socket\(s\) told to reconnect; every connection closed after its answer"/,
      );

      // Readiness: 503 (draining) from the signal on, until the listener closed; never back to 200.
      const statuses = probes.map((p) => p.status);
      const firstDown = statuses.indexOf(503);
      expect(firstDown).toBeGreaterThanOrEqual(0);
      // (A probe sent before the process handled the signal still found it ready.)
      expect(statuses.slice(0, firstDown).every((status) => status === 200)).toBe(true);
      expect(statuses.slice(firstDown)).toEqual([...statuses.slice(firstDown, -1).map(() => 503), 'refused']);
      expect(probes[firstDown]?.body).toEqual({
        status: 'down',
        checks: { process: { status: 'down', reason: 'draining: the process is stopping' } },
      });

      // Every request it took was answered completely and correctly. The others were refused at
      // connect, or met a fresh connection closed with no byte of an answer as the listener closed:
      // the server closes only connections with no request in progress (its summary above says
      // none was cut off), so those requests were never read. Never on a reused connection: every
      // answer during the drain said Connection: close, so no client sent on one again.
      expect(load.of('failed')).toEqual([]);
      expect(load.of('unread').filter((o) => o.reusedConnection)).toEqual([]);
      const afterSignal = load.of('ok').filter((o) => o.afterSignal);
      // It kept serving during the drain delay, each answer closing its connection.
      expect(afterSignal.length).toBeGreaterThan(0);
      expect(afterSignal.filter((o) => o.connectionClose).length).toBeGreaterThan(0);
      expect(load.of('refused').length).toBe(requests.length * CLIENTS_PER_REQUEST);
      // The idle keep-alive connection was closed by the server, without another byte.
      expect((await idle.closed).match(/HTTP\/1\.1 200/g)?.length).toBe(1);

      // Each socket: updates, then the reconnect hint, then the server closed its transport
      // (socket.io-client reconnects by itself on `transport close`, not on `io server disconnect`).
      for (const { events, notices } of subscribers) {
        const hint = events.indexOf('shutdown');
        expect(hint).toBeGreaterThan(0);
        expect(events.slice(0, hint).every((e) => e.startsWith('update'))).toBe(true);
        expect(events.slice(hint)).toEqual(['shutdown', 'disconnect transport close']);
        expect(notices).toHaveLength(1);
        expect(notices[0]?.reason).toBe('shutdown');
        // As the AsyncAPI document describes it (a whole wait, within the spread).
        expect(asyncApi.check('serverShutdown', notices[0])).toBeNull();
      }
      // Spread: the three sockets were given three different waits.
      expect(new Set(subscribers.map((s) => s.notices[0]?.retryAfterMs)).size).toBe(SOCKETS);
      // Reconnected to the other replica: subscribed again, live again.
      const moved = await Promise.all(subscribers.map(() => subscriber(b.port)));
      const next = published;
      await eventually(
        () => moved.every((s) => s.events.some((e) => Number(e.split(' ')[1]) >= T0 + next * 60_000)),
        'the reconnected subscribers to receive updates from gateway B',
      );
      for (const s of moved) s.socket.close();
      expect((await probeReadiness(b.port)).status).toBe(200);
    } finally {
      publishing.abort();
      await publisher;
      await load.stop();
      for (const s of subscribers) s.socket.close();
    }
  }, 60_000);
});
