import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { setTimeout as delay } from 'node:timers/promises';
import { BusConnections, RedisEventBus, RedisKeys } from '@app/bus';
import { AnalysisEventName, MarketEventName } from '@app/contracts';
import type { CandleClosedEvent, EventData } from '@app/contracts/dto';
import { Child } from './gateway-ipc.js';
import { BenchLogger } from './pipeline-probe.js';
import { openStore, total } from './pipeline-rig.js';
import type { ScalePlan } from './scale-baseline.js';
import { type BurstPath, loopDelayMonitor, ResultTally } from './scale-burst.js';
import type { ModeFigures } from './scale-local.js';
import { type MemorySample, memoryNow } from './scale-report.js';
import { runBursts, verifyResults } from './scale-verify.js';

/**
 * The scale benchmark's distributed mode: this process is market-data (XADD to each market's
 * stream through RedisEventBus), the consumer of `confluence.updated` (a Redis subscriber, as the
 * gateway) and the embedded store; WORKERS child processes (scale-worker.ts) share the markets
 * through Redis leases, each with its own store connection and write path.
 */

const WORKERS = 2;
/** Longest wait for the workers to take every market over (each warms its share, ~2 ms a market). */
const TAKEOVER_TIMEOUT_MS = 180_000;
const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';

interface WorkerStatus {
  readonly owned: number;
}

interface WorkerReport {
  readonly rss: number;
  readonly loopDelayP99: number;
  readonly loopDelayMax: number;
  readonly note: string;
}

export async function runDistributed(
  plan: ScalePlan,
  storeUri: string,
  expected: readonly ReadonlySet<string>[],
  start: MemorySample,
): Promise<ModeFigures> {
  const logger = new BenchLogger();
  const { app, environment } = plan.config;
  const redisUrl = environment.redisUrl ?? DEFAULT_REDIS_URL;
  const keys = new RedisKeys(`bench-scale-${randomUUID()}`);
  const roles = [0, 1].map(() => new BusConnections(redisUrl, keys, app.bus.streamMaxLength));
  const [marketData, gateway] = roles as [BusConnections, BusConnections];
  const { connection } = await openStore(plan.config, storeUri, 'bench_scale_redis');
  const workers: Child[] = [];
  try {
    const busOf = (links: BusConnections): RedisEventBus =>
      new RedisEventBus({
        publisher: links.commands(),
        subscriber: links.open('subscriber'),
        keys,
        streamMaxLength: app.bus.streamMaxLength,
        logger,
      });
    const consumer = busOf(gateway);
    const tally = new ResultTally();
    let signalChanges = 0;
    consumer.subscribe(AnalysisEventName.ConfluenceUpdated, (payload) => {
      tally.received(payload);
    });
    consumer.subscribe(AnalysisEventName.SignalChanged, () => {
      signalChanges++;
    });
    await consumer.ready();
    const before = memoryNow();
    const warmStart = performance.now();
    const args = [
      `--store=${storeUri}`,
      `--redis=${redisUrl}`,
      `--prefix=${keys.prefix}`,
      `--origin=${plan.origin}`,
      `--markets=${plan.markets.length}`,
      `--bursts=${plan.warmBursts + plan.bursts}`,
    ];
    for (let i = 1; i <= WORKERS; i++)
      workers.push(Child.start(`worker ${i}`, 'scale-worker', args, {}, ['--expose-gc']));
    await allTakenOver(workers, plan.markets.length);
    const warmSeconds = (performance.now() - warmStart) / 1000;
    // A worker's loop may be in its idle wait: let it reach a blocking XREAD over its markets.
    await delay(app.analysis.blockMs + 100);
    const afterWarm = { rss: before.rss + (await rssOf(workers)), heapUsed: Number.NaN };
    const publisher = busOf(marketData);
    const written = new Map<Child, number>();
    const path: BurstPath = {
      label: 'distributed',
      publish: (event: EventData<CandleClosedEvent>) =>
        publisher.publish(MarketEventName.CandleClosed, event),
      // Each worker's write path drained, once every result of the burst reached the consumer.
      stored: async () => {
        await Promise.all(
          workers.map(async (worker) => {
            const { written: count } = await worker.request<{ written: number }>('flush');
            written.set(worker, count);
          }),
        );
      },
      writes: () => [...written.values()].reduce((a, b) => a + b, 0),
    };
    const loopDelay = loopDelayMonitor();
    const run = await runBursts(plan, path, tally, expected, loopDelay, async () => {
      await Promise.all(workers.map((worker) => worker.request('measure')));
      return null;
    });
    const reports = await Promise.all(workers.map((worker) => worker.request<WorkerReport>('report')));
    const parent = memoryNow();
    const faults = await verifyResults(tally, expected, connection, plan.origin);
    return {
      label: `distributed: Redis streams → ${WORKERS} worker processes → embedded store (in the bench process)`,
      warmSeconds,
      bursts: run.bursts,
      warmResults: run.warmResults,
      loopDelay: {
        p50: loopDelay.percentile(50) / 1e6,
        p99: Math.max(loopDelay.percentile(99) / 1e6, ...reports.map((r) => r.loopDelayP99)),
        max: Math.max(loopDelay.max / 1e6, ...reports.map((r) => r.loopDelayMax)),
      },
      memory: {
        start,
        before,
        afterWarm,
        afterBursts: { rss: parent.rss + reports.reduce((sum, r) => sum + r.rss, 0), heapUsed: Number.NaN },
        markets: plan.markets.length,
      },
      faults,
      notes: [
        `event-loop delay: bench process (market-data, consumer, store) p99 ${(loopDelay.percentile(99) / 1e6).toFixed(0)} ms; ` +
          reports.map((r, i) => `worker ${i + 1} p99 ${r.loopDelayP99.toFixed(0)} ms`).join(', ') +
          `; RSS: bench process ${(parent.rss / 2 ** 20).toFixed(0)} MiB, ` +
          reports.map((r, i) => `worker ${i + 1} ${(r.rss / 2 ** 20).toFixed(0)} MiB`).join(', '),
        ...reports.map((r) => r.note),
        ...workers.flatMap((worker) =>
          worker.output.trim() === ''
            ? []
            : [`${worker.label} said: ${worker.outputTail(5).replaceAll('\n', ' | ')}`],
        ),
        `consumer: ${signalChanges} signal.changed, ${tally.refreshes} refresh updates, bus rejected ` +
          `${total(consumer.stats().rejected)}; bench log: ${logger.warnings} warning(s), ${logger.errors} error(s)`,
      ],
    };
  } finally {
    await Promise.all(workers.map((worker) => worker.stop()));
    await deleteKeys(gateway, keys.prefix);
    await Promise.all(roles.map((links) => links.onApplicationShutdown()));
    await connection.close();
  }
}

/**
 * Waits until the workers own every market between them (a market is owned once taken over, so
 * warmed), each some, the same split on two polls in a row (the first to start takes everything,
 * then hands the other its share).
 */
async function allTakenOver(workers: readonly Child[], markets: number): Promise<void> {
  const deadline = performance.now() + TAKEOVER_TIMEOUT_MS;
  let previous = '';
  for (;;) {
    const statuses = await Promise.all(workers.map((worker) => worker.request<WorkerStatus>('status')));
    const owned = statuses.reduce((sum, s) => sum + s.owned, 0);
    const split = statuses.map((s) => s.owned).join('/');
    if (owned === markets && statuses.every((s) => s.owned > 0) && split === previous) return;
    previous = split;
    if (performance.now() > deadline)
      throw new Error(
        `the workers took ${owned} of ${markets} markets over in ${TAKEOVER_TIMEOUT_MS / 1000} s`,
      );
    await delay(500);
  }
}

async function rssOf(workers: readonly Child[]): Promise<number> {
  const reports = await Promise.all(workers.map((worker) => worker.request<{ rss: number }>('rss')));
  return reports.reduce((sum, r) => sum + r.rss, 0);
}

async function deleteKeys(links: BusConnections, prefix: string): Promise<void> {
  const redis = links.commands();
  let cursor = '0';
  try {
    do {
      const [next, found] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      if (found.length > 0) await redis.del(...found);
      cursor = next;
    } while (cursor !== '0');
  } catch (error) {
    console.error(`could not delete the bench's Redis keys (${prefix}*): ${String(error)}`);
  }
}
