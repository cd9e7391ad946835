import { describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { eventually } from '@app/testing';
import { SignalsGateway } from '../apps/api-gateway/src/socket/signals.gateway.js';
import { SocketRegistry } from '../apps/api-gateway/src/socket/socket-registry.js';
import { BTC_1M, signalsApp } from './socket-app-kit.js';
import { ask, RawSignalsPeer, refusal } from './socket-kit.js';

/**
 * Raw Engine.IO connections (issue 27, item 7): 300 websockets from one address that never send
 * a Socket.IO CONNECT used to stay open until the 45 s connect timeout, uncounted by the per-IP
 * limit, which only counted sockets in /signals. Now every Engine.IO connection counts from its
 * handshake, the handshake past the limit is refused with the reason, and a connection that joins
 * no namespace is closed after `socket.connectTimeoutMs`. Every client here is 127.0.0.1: one
 * address.
 */

const LIMIT = 20;
const TOO_MANY = `too many connections from this address (max ${LIMIT})`;

/** `confluence_socket_rejected_total{reason="connections-per-ip"}` of a scrape. */
function rejectedPerIp(exposition: string): number {
  const match = /^confluence_socket_rejected_total\{reason="connections-per-ip"\} (\d+)$/m.exec(exposition);
  return match === null ? 0 : Number(match[1]);
}

async function openAll(
  port: number,
  count: number,
): Promise<{ opened: RawSignalsPeer[]; refused: string[] }> {
  const attempts = await Promise.allSettled(Array.from({ length: count }, () => RawSignalsPeer.open(port)));
  const opened: RawSignalsPeer[] = [];
  const refused: string[] = [];
  for (const attempt of attempts)
    if (attempt.status === 'fulfilled') opened.push(attempt.value);
    else refused.push(attempt.reason instanceof Error ? attempt.reason.message : String(attempt.reason));
  return { opened, refused };
}

describe('a flood of raw Engine.IO websockets from one address', () => {
  const { app, metrics, open, port } = signalsApp(
    {
      maxSubscriptionsPerSocket: 2,
      maxConnectionsPerIp: LIMIT,
      messagesPerSecond: 10,
      pingIntervalMs: 25_000,
      pingTimeoutMs: 20_000,
      // Far beyond the test: the flood's connections stay until the test closes them.
      connectTimeoutMs: 300_000,
    },
    {
      settled: (running) =>
        running.get(SocketRegistry).engineConnections() === 0 &&
        running.get(SignalsGateway).openConnections() === 0,
    },
  );
  const engineConnections = (): number => app().get(SocketRegistry).engineConnections();

  it('holds maxConnectionsPerIp of 300 open, refuses the rest at the handshake, and gives every place back', async () => {
    const rejectedBefore = rejectedPerIp(await metrics());
    const { opened, refused } = await openAll(port(), 300);
    try {
      // Two handshakes racing past the check are settled on connection: the later one is closed.
      await eventually(
        () => opened.filter((peer) => !peer.closed).length === LIMIT && engineConnections() === LIMIT,
        `${LIMIT} raw connections to remain`,
      );
      expect(opened.length + refused.length).toBe(300);
      expect(new Set(refused)).toEqual(new Set([`HTTP/1.1 400 Bad Request: ${TOO_MANY}`]));
      // Each of the 280 is counted once, whether refused at the handshake or closed on arrival.
      expect(rejectedPerIp(await metrics()) - rejectedBefore).toBe(300 - LIMIT);

      // Nothing joined /signals, yet a real client from the same address is refused as well:
      // over WebSocket socket.io-client only sees a transport error; polling gets the reason.
      expect(await refusal(port())).toBe('websocket error');
      const polling = await request(`http://127.0.0.1:${port()}`).get('/socket.io/?EIO=4&transport=polling');
      expect([polling.status, polling.body]).toEqual([403, { code: 4, message: TOO_MANY }]);
      expect(app().get(SignalsGateway).openConnections()).toBe(0);
    } finally {
      for (const peer of opened) peer.destroy();
    }

    await eventually(() => engineConnections() === 0, 'the raw connections to be released');
    // The whole allowance is free again, for clients that do join and subscribe.
    const clients = await Promise.all(Array.from({ length: LIMIT }, () => open()));
    for (const client of clients.slice(0, 3))
      expect(await ask(client, 'subscribe', BTC_1M)).toMatchObject({ ok: true, room: 'binance:BTC/USDT:1m' });
    expect([engineConnections(), app().get(SignalsGateway).openConnections()]).toEqual([LIMIT, LIMIT]);
    await expect(RawSignalsPeer.open(port())).rejects.toThrow(TOO_MANY);
  });
});

describe('a raw Engine.IO connection that joins no namespace', () => {
  const { app, port } = signalsApp(
    {
      maxSubscriptionsPerSocket: 2,
      maxConnectionsPerIp: 5,
      messagesPerSecond: 10,
      pingIntervalMs: 25_000,
      pingTimeoutMs: 20_000,
      connectTimeoutMs: 500,
    },
    {
      settled: (running) =>
        running.get(SocketRegistry).engineConnections() === 0 &&
        running.get(SignalsGateway).openConnections() === 0,
    },
  );

  it('is closed by the server after connectTimeoutMs, while one that joined /signals stays', async () => {
    // Joined first, so its own connect timeout has passed by the time the idle ones are closed.
    const joined = await RawSignalsPeer.open(port());
    const idle: RawSignalsPeer[] = [];
    try {
      expect(await joined.joinAndSubscribe(BTC_1M)).toMatchObject({ ok: true });
      idle.push(...(await Promise.all(Array.from({ length: 4 }, () => RawSignalsPeer.open(port())))));
      // The limit of 5 is full: 1 joined, 4 idle.
      await expect(RawSignalsPeer.open(port())).rejects.toThrow(
        'too many connections from this address (max 5)',
      );

      await Promise.all(idle.map((peer) => peer.whenClosed()));
      await eventually(
        () => app().get(SocketRegistry).engineConnections() === 1,
        'the idle connections to go',
      );
      expect(joined.closed).toBe(false);
      expect(app().get(SignalsGateway).openConnections()).toBe(1);
      // Their places are free again.
      const again = await RawSignalsPeer.open(port());
      again.destroy();
    } finally {
      joined.destroy();
      for (const peer of idle) peer.destroy();
    }
  });
});
