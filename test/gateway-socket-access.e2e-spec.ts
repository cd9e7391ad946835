import { describe, expect, it } from '@jest/globals';
import { SignalsGateway } from '../apps/api-gateway/src/socket/signals.gateway.js';
import { SocketRegistry } from '../apps/api-gateway/src/socket/socket-registry.js';
import { API_KEY, BTC_1M, LTC_1M, signalsApp } from './socket-app-kit.js';
import { ask, RawSignalsPeer, refusal, until } from './socket-kit.js';

/**
 * Who may connect to the Socket.IO namespace /signals of the whole app in local mode: an API key
 * when sockets require one, and at most maxConnectionsPerIp connections per address, a place
 * given back whenever a connection closes.
 */

describe('Socket.IO /signals access and per-IP limits', () => {
  const { app, open, port } = signalsApp(
    {
      maxSubscriptionsPerSocket: 50,
      maxConnectionsPerIp: 3,
      messagesPerSecond: 10,
      pingIntervalMs: 25_000,
      pingTimeoutMs: 20_000,
    },
    {
      socketsRequireKey: true,
      // The namespace, not the per-IP count: the last test shows that count can be left behind.
      settled: (running) => running.get(SocketRegistry).stats().connections === 0,
    },
  );
  const openConnections = (): number => app().get(SignalsGateway).openConnections();
  const namespaceConnections = (): number => app().get(SocketRegistry).stats().connections;

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
