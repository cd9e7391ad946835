/**
 * The gateway benchmark's Socket.IO fan-out run (see bench/gateway.bench.ts): subscribers in
 * child processes (bench/gateway-clients.ts), one update published at a time by the server
 * under test, each delivery's latency from the server's stamp to the subscriber's arrival.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { Child } from './gateway-ipc.js';
import type { FanOutFigures } from './gateway-report.js';

const WARMUP_UPDATES = 2;
/** Quiet time between two updates once the previous one reached everyone. */
const UPDATE_GAP_MS = 150;
/** An update not delivered to everyone by then is counted short, and the next one goes out. */
const UPDATE_TIMEOUT_MS = 15_000;

/** What the server answers to `publish`: the update's key, its precise stamp, its publish call. */
interface Published {
  readonly emittedAt: number;
  readonly at: number;
  readonly busDoneMs: number;
}

/** One update, then waits until every client process reports it delivered to all its subscribers. */
async function publishOne(
  server: Child,
  clients: readonly Child[],
): Promise<{ published: Published; complete: boolean }> {
  const published = await server.request<Published>('publish');
  const deadline = Date.now() + UPDATE_TIMEOUT_MS;
  let complete = true;
  for (const client of clients) {
    for (;;) {
      const notice = await client.notice('delivered', Math.max(1, deadline - Date.now()));
      if (notice === null) {
        complete = false;
        break;
      }
      if (Number(notice.emittedAt) === published.emittedAt) break;
    }
  }
  return { published, complete };
}

export interface FanOutOptions {
  readonly subscribers: number;
  readonly clientProcesses: number;
  readonly updates: number;
  /** The stream's room (`exchange:BASE/QUOTE:timeframe`): what every subscriber subscribes to. */
  readonly room: string;
}

/**
 * Connects the subscribers (in child processes) to `server` on `port`, has the server publish
 * warm-up then measured updates one at a time, and gathers every delivery's latency.
 */
export async function fanOut(
  label: string,
  server: Child,
  port: number,
  options: FanOutOptions,
): Promise<FanOutFigures> {
  const { subscribers, clientProcesses } = options;
  const clients = Array.from({ length: clientProcesses }, (_, i) => {
    const count = Math.floor(subscribers / clientProcesses) + (i < subscribers % clientProcesses ? 1 : 0);
    return Child.start(`subscribers #${i + 1}`, 'gateway-clients', [
      `--url=http://127.0.0.1:${port}`,
      `--count=${count}`,
      `--stream=${options.room}`,
    ]);
  });
  try {
    console.log(`  ${label}: connecting ${subscribers} subscribers`);
    const ready = await Promise.all(clients.map(async (client) => client.notice('ready', 300_000)));
    let subscribed = 0;
    let connectSeconds = 0;
    let firstFailure: string | null = null;
    for (const [i, notice] of ready.entries()) {
      if (notice === null)
        throw new Error(`subscribers #${i + 1} did not get ready:\n${clients[i]?.outputTail() ?? ''}`);
      subscribed += Number(notice.subscribed);
      connectSeconds = Math.max(connectSeconds, Number(notice.seconds));
      firstFailure ??= (notice.firstFailure as string | null) ?? null;
    }
    const sockets = await server.request<{ connections: number; subscriptions: number }>('sockets');
    console.log(`  ${label}: ${WARMUP_UPDATES} warm-up + ${options.updates} updates`);
    for (let i = 0; i < WARMUP_UPDATES; i++) {
      await publishOne(server, clients);
      await delay(UPDATE_GAP_MS);
    }
    const measured: Published[] = [];
    let shortUpdates = 0;
    for (let i = 0; i < options.updates; i++) {
      const { published, complete } = await publishOne(server, clients);
      measured.push(published);
      if (!complete) shortUpdates++;
      await delay(UPDATE_GAP_MS);
    }
    const stampOf = new Map(measured.map((p) => [p.emittedAt, p.at]));
    const latencies: number[] = [];
    const slowest = new Map<number, number>();
    let disconnects = 0;
    for (const client of clients) {
      const got = await client.request<{ emittedAt: Float64Array; at: Float64Array; disconnects: number }>(
        'collect',
      );
      disconnects += got.disconnects;
      for (const [i, emittedAt] of got.emittedAt.entries()) {
        const stamp = stampOf.get(emittedAt);
        if (stamp === undefined) continue;
        const latency = (got.at[i] ?? Number.NaN) - stamp;
        latencies.push(latency);
        slowest.set(emittedAt, Math.max(slowest.get(emittedAt) ?? 0, latency));
      }
    }
    const sorted = (values: Iterable<number>): number[] => [...values].sort((a, b) => a - b);
    return {
      label,
      subscribers,
      subscribed,
      connectSeconds,
      serverSockets: `${sockets.connections} sockets, ${sockets.subscriptions} subscriptions`,
      delivered: latencies.length,
      expected: subscribers * options.updates,
      shortUpdates,
      latencies: sorted(latencies),
      completions: sorted(slowest.values()),
      emitLoops: sorted(measured.map((p) => p.busDoneMs)),
      disconnects,
      firstFailure,
    };
  } finally {
    await Promise.all(clients.map((client) => client.stop()));
  }
}
