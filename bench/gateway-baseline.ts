/**
 * The gateway benchmark's same-run baselines, a child process like the gateway itself, with none
 * of the framework (no Nest, Fastify, helmet, guards, throttler, validation pipe, bus):
 * - `--mode=http`: bare `node:http`. GET answers the bytes the gateway answered for the latest
 *   result (same size, same content type); POST parses the JSON body and runs the same
 *   OnDemandAnalysis the gateway's analyze endpoint runs (engine cost included, so the ratio is
 *   the gateway's overhead around it).
 * - `--mode=io`: bare Socket.IO on `node:http` with the gateway's settings (heartbeats, message
 *   size): namespace /signals, `subscribe` joins the stream's room and acknowledges with the same
 *   snapshot; `publish` emits the same update to the room.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { Server as IoServer } from 'socket.io';
import { loadConfig } from '@app/config';
import { type Candle, createConfluenceEngine, ResultFormatter } from '@app/confluence';
import { SIGNALS_NAMESPACE } from '@app/contracts';
import { OnDemandAnalysis } from '@app/gateway';
import { notifyParent, type Payload, preciseNow, serveParent, stringArg } from './gateway-ipc.js';

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('not on a TCP port');
  return address.port;
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

interface AnalyzeBody {
  readonly symbol: string;
  readonly exchange?: string;
  readonly candles: Readonly<Record<string, readonly Candle[]>>;
}

function send(response: ServerResponse, status: number, body: string): void {
  response.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
  });
  response.end(body);
}

async function bareHttp(): Promise<void> {
  const config = loadConfig();
  const analysis = new OnDemandAnalysis(createConfluenceEngine(config), new ResultFormatter());
  let latest = '{}';
  const server = createServer((request, response) => {
    if (request.method === 'GET') {
      send(response, 200, latest);
      return;
    }
    readBody(request).then(
      (text) => {
        const body = JSON.parse(text) as AnalyzeBody;
        const outcome = analysis.analyze({
          exchange: body.exchange ?? 'custom',
          symbol: body.symbol,
          candles: body.candles,
        });
        if (outcome.ok)
          send(response, 200, JSON.stringify({ ...outcome.full, source: 'client', stored: false }));
        else send(response, 400, JSON.stringify({ errors: outcome.issues }));
      },
      () => {
        send(response, 400, '{}');
      },
    );
  });
  server.keepAliveTimeout = 60_000;
  const port = await listen(server);
  serveParent({
    cpu: () => process.cpuUsage(),
    setup: (payload) => {
      latest = String(payload.body);
      return {};
    },
    stop: () => {
      setImmediate(() => process.exit(0));
      return {};
    },
  });
  notifyParent('ready', { port });
}

async function bareIo(): Promise<void> {
  const config = loadConfig();
  const { socket } = config.app;
  const http = createServer();
  const io = new IoServer(http, {
    pingInterval: socket.pingIntervalMs,
    pingTimeout: socket.pingTimeoutMs,
    maxHttpBufferSize: socket.maxMessageBytes,
    serveClient: false,
  });
  const namespace = io.of(SIGNALS_NAMESPACE);
  let update: Payload = {};
  let snapshot: Payload | null = null;
  let room = '';
  namespace.on('connection', (client) => {
    client.on('subscribe', (_request: unknown, ack: (answer: unknown) => void) => {
      void client.join(room);
      ack({ ok: true, room, snapshot });
    });
  });
  const port = await listen(http);
  let lastEmittedAt = 0;
  serveParent({
    setup: (payload) => {
      update = payload.update as Payload;
      snapshot = payload.snapshot as Payload;
      room = String(payload.room);
      return {};
    },
    publish: () => {
      const emittedAt = Math.max(Date.now(), lastEmittedAt + 1);
      lastEmittedAt = emittedAt;
      const at = preciseNow();
      namespace.to(room).emit('confluence.updated', { ...update, emittedAt });
      return { emittedAt, at, busDoneMs: preciseNow() - at };
    },
    sockets: () => {
      let subscriptions = 0;
      for (const client of namespace.sockets.values()) subscriptions += Math.max(0, client.rooms.size - 1);
      return { connections: namespace.sockets.size, subscriptions };
    },
    stop: async () => {
      await io.close();
      setImmediate(() => process.exit(0));
      return {};
    },
  });
  notifyParent('ready', { port });
}

const mode = stringArg('mode', '');
if (mode === 'http') await bareHttp();
else if (mode === 'io') await bareIo();
else throw new Error(`--mode must be http or io (got "${mode}")`);
