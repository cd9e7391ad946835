import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from '@jest/globals';
import { Server } from 'socket.io';
import { io, type Socket } from 'socket.io-client';
import { SocketEventName } from '@app/contracts';
// By path: the @app/testing barrel also loads mongoose and the fake exchange.
import { eventually } from '../../testing/src/eventually.js';
import { RECONNECT_SPREAD_MS, reconnectDelay, SocketDrain } from './socket-drain.js';

/**
 * SocketDrain on a real Socket.IO server with real clients: each is told `server.shutdown`, then
 * its transport closes (a `transport close`, which socket.io-client reconnects after by itself).
 */

const opened: { http: HttpServer; io: Server; clients: Socket[] }[] = [];

afterEach(async () => {
  for (const { http, io: server, clients } of opened.splice(0)) {
    for (const client of clients) client.close();
    await server.close();
    http.closeAllConnections();
  }
});

async function socketServer(): Promise<{
  io: Server;
  connect: () => Promise<{ client: Socket; events: string[] }>;
}> {
  const http = createServer();
  const server = new Server(http);
  const clients: Socket[] = [];
  opened.push({ http, io: server, clients });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const { port } = http.address() as AddressInfo;
  const connect = async (): Promise<{ client: Socket; events: string[] }> => {
    const client = io(`http://127.0.0.1:${port}/signals`, {
      forceNew: true,
      transports: ['websocket'],
      reconnection: false,
    });
    clients.push(client);
    const events: string[] = [];
    client.on(SocketEventName.ServerShutdown, (notice: unknown) =>
      events.push(`notice ${JSON.stringify(notice)}`),
    );
    client.on('disconnect', (reason) => events.push(`disconnect ${reason}`));
    await new Promise<void>((resolve, reject) => {
      client.once('connect', resolve);
      client.once('connect_error', reject);
    });
    return { client, events };
  };
  return { io: server, connect };
}

describe('reconnectDelay', () => {
  it.each([
    [0, 1, 0],
    [0, 4, 0],
    [1, 4, 500],
    [3, 4, 1500],
    [999, 1000, 1998],
  ])('socket %i of %i waits %i ms', (index, count, expected) => {
    expect(reconnectDelay(index, count)).toBe(expected);
  });

  it('spreads any number of sockets over less than the spread, evenly', () => {
    const delays = Array.from({ length: 7 }, (_, index) => reconnectDelay(index, 7));
    expect(delays).toEqual([0, 285, 571, 857, 1142, 1428, 1714]);
    expect(Math.max(...delays)).toBeLessThan(RECONNECT_SPREAD_MS);
  });
});

describe('SocketDrain', () => {
  it('tells each socket to reconnect, then closes its transport', async () => {
    const { io: server, connect } = await socketServer();
    const namespace = server.of('/signals');
    const clients = await Promise.all([connect(), connect(), connect()]);
    const drain = new SocketDrain();
    expect(drain.closing).toBe(false);

    expect(drain.close(namespace.sockets.values())).toBe(3);
    expect(drain.closing).toBe(true);

    await eventually(
      () => clients.every(({ events }) => events.length === 2),
      'every client to be told and closed',
    );
    const delays = clients.map(({ events }) => {
      expect(events[1]).toBe('disconnect transport close');
      return JSON.parse(events[0]?.replace(/^notice /, '') ?? 'null') as {
        reason: string;
        retryAfterMs: number;
      };
    });
    expect(delays.map((notice) => notice.reason)).toEqual(['shutdown', 'shutdown', 'shutdown']);
    expect(delays.map((notice) => notice.retryAfterMs).sort((a, b) => a - b)).toEqual([0, 666, 1333]);
    await eventually(() => namespace.sockets.size === 0, 'the server to drop the sockets');
  });

  it('tells and closes at once a socket that connects once the drain has begun', async () => {
    const { io: server, connect } = await socketServer();
    const namespace = server.of('/signals');
    const drain = new SocketDrain();
    namespace.on('connection', (socket) => {
      drain.admit(socket);
    });
    const before = await connect();
    expect(drain.close(namespace.sockets.values())).toBe(1);

    const late = await connect();
    await eventually(() => late.events.length === 2, 'the late client to be told and closed');
    expect(late.events).toEqual([
      `notice ${JSON.stringify({ reason: 'shutdown', retryAfterMs: 0 })}`,
      'disconnect transport close',
    ]);
    expect(before.events).toEqual([
      `notice ${JSON.stringify({ reason: 'shutdown', retryAfterMs: 0 })}`,
      'disconnect transport close',
    ]);
  });

  it('leaves a socket alone before the drain begins', async () => {
    const { io: server, connect } = await socketServer();
    const namespace = server.of('/signals');
    const drain = new SocketDrain();
    namespace.on('connection', (socket) => {
      drain.admit(socket);
    });
    const { client, events } = await connect();
    // A round trip through the server: had it been closed, the client would know by now.
    await new Promise<void>((resolve) => {
      namespace.once('connection', () => {
        resolve();
      });
      void connect();
    });
    expect(client.connected).toBe(true);
    expect(events).toEqual([]);
  });
});
