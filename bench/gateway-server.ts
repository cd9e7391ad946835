/**
 * The gateway under test, a child process of `npm run bench:gateway`: the local-mode app (all
 * three apps' modules, in-process bus, embedded store, replay), built as `npm start` builds it
 * (`createServiceApp` + the configured logger) from CONFIG_DIR / DATA_DIR / API_KEY_HASHES, on a
 * free port. On the bench's `publish` request it publishes a `confluence.updated` on the app's
 * own EventBus — the path the analysis worker's results take — so the Socket.IO fan-out is the
 * gateway's real one (SignalsGateway, bus validation, GatewayFeed), not a shortcut.
 */
import 'reflect-metadata';
import type { Server } from 'node:http';
import { isatty } from 'node:tty';
import { loadConfig, logFormatOf, secretValuesOf } from '@app/config';
import { AnalysisEventName, EventBus, type LiveUpdate } from '@app/contracts';
import type { BusEventData } from '@app/contracts/dto';
import { StoreWriter } from '@app/persistence';
import { ConfluenceLogger, createServiceApp } from '@app/platform';
import { SocketRegistry } from '../apps/api-gateway/src/socket/socket-registry.js';
import { localService } from '../local/local.definition.js';
import { notifyParent, preciseNow, serveParent, stringArg } from './gateway-ipc.js';

async function main(): Promise<void> {
  const stream = stringArg('stream', 'binance:BTC/USDT:1m');
  const config = loadConfig();
  const logger = new ConfluenceLogger({
    service: localService.name,
    level: config.app.logging.level,
    format: logFormatOf(config, isatty(1)),
    secrets: secretValuesOf(config.environment),
  });
  const app = await createServiceApp(config, localService, logger);
  const bus = app.get(EventBus);
  // The stream's latest real result, as plain data: the template of every update the bench
  // publishes (with its domain result, as a worker publishes it).
  let template: BusEventData<typeof AnalysisEventName.ConfluenceUpdated> | null = null;
  bus.subscribe(AnalysisEventName.ConfluenceUpdated, (event) => {
    if (`${event.exchange}:${event.symbol}:${event.timeframe}` === stream)
      template = JSON.parse(JSON.stringify(event)) as BusEventData<
        typeof AnalysisEventName.ConfluenceUpdated
      >;
  });
  await app.listen(0, config.app.http.host);
  const address = (app.getHttpServer() as Server).address();
  if (address === null || typeof address === 'string') throw new Error('the app is not on a TCP port');
  let lastEmittedAt = 0;

  serveParent({
    /** Every result written (the replay is over by then): GET latest is the last one from now on. */
    flush: async () => {
      await app.get(StoreWriter).flush();
      return {};
    },
    /** What a subscriber receives of an update (the bare baseline emits the same). */
    template: (): LiveUpdate | null => {
      if (template === null) return null;
      const { result, ...live } = template;
      return live;
    },
    /** One update of the stream, stamped now; answers when the bus has delivered it. */
    publish: async () => {
      if (template === null) throw new Error(`no result of ${stream} yet`);
      // Distinct emittedAt per update: the subscribers' arrivals are grouped by it. Distinct
      // computedAt too, as real updates have: identical updates may be deduplicated on the way.
      const emittedAt = Math.max(Date.now(), lastEmittedAt + 1);
      lastEmittedAt = emittedAt;
      const at = preciseNow();
      await bus.publish(AnalysisEventName.ConfluenceUpdated, {
        ...template,
        emittedAt,
        computedAt: emittedAt,
      });
      return { emittedAt, at, busDoneMs: preciseNow() - at };
    },
    sockets: () => app.get(SocketRegistry).stats(),
    /** This process's CPU time so far (user + system, µs). */
    cpu: () => process.cpuUsage(),
    stop: async () => {
      await app.close();
      setImmediate(() => process.exit(0));
      return {};
    },
  });
  notifyParent('ready', { port: address.port });
}

await main();
