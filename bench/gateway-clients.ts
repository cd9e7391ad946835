/**
 * Socket.IO subscribers for the gateway benchmark, a child process: `--count` clients (websocket
 * transport, one connection each, no reconnection) on `--url`'s /signals namespace, each
 * subscribing to one stream. Every `confluence.updated` arrival is stamped (preciseNow) and kept
 * by the update's `emittedAt`; when all of this process's subscribers have one update, the
 * parent is told (`delivered`), so it can publish the next one.
 */
import { io, type Socket } from 'socket.io-client';
import { SIGNALS_NAMESPACE } from '@app/contracts';
import { notifyParent, numberArg, preciseNow, serveParent, stringArg } from './gateway-ipc.js';

interface Arrival {
  readonly emittedAt: number;
  readonly at: number;
}

async function connectOne(
  url: string,
  stream: unknown,
  onUpdate: (emittedAt: number) => void,
): Promise<Socket> {
  const socket = io(`${url}${SIGNALS_NAMESPACE}`, {
    transports: ['websocket'],
    forceNew: true,
    reconnection: false,
    timeout: 30_000,
  });
  socket.on('confluence.updated', (update: { emittedAt: number }) => {
    onUpdate(update.emittedAt);
  });
  try {
    const ack = (await socket.timeout(30_000).emitWithAck('subscribe', stream)) as {
      ok: boolean;
      error?: { message: string };
    };
    if (!ack.ok) throw new Error(`subscribe refused: ${ack.error?.message ?? 'no reason'}`);
    return socket;
  } catch (error) {
    socket.close();
    throw error;
  }
}

async function main(): Promise<void> {
  const url = stringArg('url', '');
  const count = numberArg('count', 0);
  const concurrency = numberArg('concurrency', 50);
  const [exchange, symbol, timeframe] = stringArg('stream', 'binance:BTC/USDT:1m').split(':');
  const stream = { exchange, symbol, timeframe };

  const arrivals: Arrival[] = [];
  const perUpdate = new Map<number, number>();
  const sockets: Socket[] = [];
  const failures: string[] = [];
  let disconnects = 0;
  const onUpdate = (emittedAt: number): void => {
    arrivals.push({ emittedAt, at: preciseNow() });
    const got = (perUpdate.get(emittedAt) ?? 0) + 1;
    perUpdate.set(emittedAt, got);
    if (got === sockets.length) notifyParent('delivered', { emittedAt });
  };

  const started = preciseNow();
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) {
      next++;
      try {
        const socket = await connectOne(url, stream, onUpdate);
        socket.on('disconnect', () => disconnects++);
        sockets.push(socket);
      } catch (error) {
        failures.push(error instanceof Error ? error.message : String(error));
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));

  serveParent({
    collect: () => ({
      emittedAt: Float64Array.from(arrivals, (a) => a.emittedAt),
      at: Float64Array.from(arrivals, (a) => a.at),
      disconnects,
    }),
    stop: () => {
      for (const socket of sockets) socket.close();
      setImmediate(() => process.exit(0));
      return {};
    },
  });
  notifyParent('ready', {
    subscribed: sockets.length,
    failed: failures.length,
    firstFailure: failures[0] ?? null,
    seconds: (preciseNow() - started) / 1000,
  });
}

await main();
