import { createServer, type Server, type Socket, connect as connectTcp } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import mongoose, { type Connection } from 'mongoose';
import { EmbeddedMongoServer } from '@app/embedded-mongo';
import { probeStore } from './store-health.js';

/**
 * probeStore against the embedded server behind a TCP proxy that can hold its answers back (a
 * store busy draining bulk writes) or go away (a store that is down).
 */

class DelayingProxy {
  delayMs = 0;
  readonly #sockets: Socket[] = [];

  private constructor(private readonly server: Server) {}

  static async start(target: { host: string; port: number }): Promise<DelayingProxy> {
    const server = createServer();
    const proxy = new DelayingProxy(server);
    server.on('connection', (client) => {
      const upstream = connectTcp(target.port, target.host);
      proxy.#sockets.push(client, upstream);
      client.pipe(upstream);
      upstream.on('data', (chunk: Buffer) => {
        if (proxy.delayMs === 0) client.write(chunk);
        else setTimeout(() => client.write(chunk), proxy.delayMs);
      });
      const end = (): void => {
        client.destroy();
        upstream.destroy();
      };
      client.on('error', end).on('close', end);
      upstream.on('error', end).on('close', end);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return proxy;
  }

  get port(): number {
    const address = this.server.address();
    return typeof address === 'object' && address !== null ? address.port : 0;
  }

  async close(): Promise<void> {
    for (const socket of this.#sockets.splice(0)) socket.destroy();
    await new Promise((resolve) => this.server.close(resolve));
  }
}

let store: EmbeddedMongoServer;
let proxy: DelayingProxy;
let connection: Connection;
const thresholds = { slowMs: 100, timeoutMs: 1_000 };

beforeAll(async () => {
  store = await EmbeddedMongoServer.start({ port: 0 });
  const { hostname, port } = new URL(store.uri);
  proxy = await DelayingProxy.start({ host: hostname, port: Number(port) });
  connection = mongoose.createConnection(`mongodb://127.0.0.1:${proxy.port}/health`, {
    serverSelectionTimeoutMS: 300,
    heartbeatFrequencyMS: 60_000,
  });
  await connection.asPromise();
});

afterAll(async () => {
  await connection.close(true);
  await proxy.close().catch(() => undefined);
  await store.stop();
});

describe('probeStore', () => {
  it('is up, with the ping time, when the store answers at once', async () => {
    proxy.delayMs = 0;
    // Thresholds no prompt ping reaches however busy the machine: "at once" must not depend on the wall clock.
    const health = await probeStore(connection, { slowMs: 2_000, timeoutMs: 5_000 });
    expect(health).toMatchObject({ status: 'up', responseTime: expect.any(Number) });
  });

  it('is degraded, not down, when a connected store answers slowly', async () => {
    proxy.delayMs = 250;
    const health = await probeStore(connection, thresholds);
    expect(health.status).toBe('degraded');
    expect(health.message).toMatch(/^answering slowly: a ping took \d+ ms \(over 100\)$/);
    expect(health.responseTime).toBeGreaterThanOrEqual(250);
  });

  it('is degraded, not down, when a connected store does not answer within the timeout (busy)', async () => {
    proxy.delayMs = 3_000;
    const health = await probeStore(connection, { slowMs: 100, timeoutMs: 300 });
    expect(health).toEqual({
      status: 'degraded',
      message: 'connected, but no answer to a ping within 300 ms: busy',
    });
    proxy.delayMs = 0;
  });

  it('is down when no store is connected, or the store has gone', async () => {
    const never = mongoose.createConnection();
    expect(await probeStore(never, thresholds)).toEqual({
      status: 'down',
      message: 'not connected (disconnected)',
    });
    await never.close();

    await proxy.close();
    const health = await probeStore(connection, thresholds);
    expect(health.status).toBe('down');
    expect(health.message).toMatch(/^(not connected|ping failed)/);
    // The probes right after the loss, while the driver is still taking it in (its pool cleared,
    // the server not yet marked unknown), stay down: a ping that waits out the timeout on a
    // connection lost meanwhile is not "busy". (Readiness flapped 503 → 200 degraded here.)
    const next = [];
    for (let probe = 0; probe < 3; probe++) next.push(await probeStore(connection, thresholds));
    expect(next.map((h) => h.status)).toEqual(['down', 'down', 'down']);
  });

  it('is down when the connection is lost while the ping waits, not busy', async () => {
    // The driver's side of the moment after a store is killed, which a real one gives only by
    // chance: connected when the probe starts, disconnected by the time its ping times out.
    const lost = {
      readyState: mongoose.ConnectionStates.connected,
      db: { admin: () => ({ ping: () => new Promise(() => undefined) }) },
    };
    setTimeout(() => {
      lost.readyState = mongoose.ConnectionStates.disconnected;
    }, 50);
    expect(await probeStore(lost, { slowMs: 100, timeoutMs: 200 })).toEqual({
      status: 'down',
      message: 'connection lost (disconnected)',
    });
  });
});
