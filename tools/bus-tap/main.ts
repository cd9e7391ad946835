import 'reflect-metadata';
import { BusConnections, RedisEventBus, RedisKeys } from '@app/bus';
import { ConfigValidationError, loadConfig } from '@app/config';
import { AnalysisEventName, type BusEventName, isBusEventName, errorMessage } from '@app/contracts';

/**
 * Prints what crosses the Redis bus, one JSON line per event (`{"subject", "payload"}`), for
 * operators and for the distributed tests' consumer process. Subjects default to the analysis
 * events; name others as arguments (`market.candle.closed`, ...). Needs REDIS_URL.
 */
async function main(argv: readonly string[]): Promise<number | undefined> {
  const subjects = argv.length > 0 ? argv : Object.values(AnalysisEventName);
  const unknown = subjects.filter((subject) => !isBusEventName(subject));
  if (unknown.length > 0) {
    process.stderr.write(`bus-tap: unknown subject(s): ${unknown.join(', ')}\n`);
    return 2;
  }
  const config = loadConfig();
  const url = config.environment.redisUrl;
  if (url === undefined) {
    process.stderr.write('bus-tap: REDIS_URL is not set\n');
    return 2;
  }
  const connections = new BusConnections(
    url,
    new RedisKeys(config.app.bus.keyPrefix),
    config.app.bus.streamMaxLength,
  );
  const bus = new RedisEventBus({
    publisher: connections.commands(),
    subscriber: connections.open('bus-tap'),
    keys: connections.keys,
    streamMaxLength: connections.streamMaxLength,
    logger: {
      warn: (message) => process.stderr.write(`bus-tap: ${message}\n`),
      error: (message) => process.stderr.write(`bus-tap: ${message}\n`),
    },
  });
  for (const subject of subjects as BusEventName[]) {
    bus.subscribe(subject, (payload) => {
      process.stdout.write(`${JSON.stringify({ subject, payload })}\n`);
    });
  }
  await bus.ready();
  process.stderr.write(`bus-tap: listening to ${subjects.join(', ')} under ${connections.keys.prefix}\n`);
  const stop = (): void => {
    void connections.onApplicationShutdown().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  return undefined;
}

main(process.argv.slice(2)).then(
  (exitCode) => {
    if (exitCode !== undefined) process.exitCode = exitCode;
  },
  (error: unknown) => {
    const message = error instanceof ConfigValidationError || errorMessage(error);
    process.stderr.write(`bus-tap: ${message}\n`);
    process.exitCode = 1;
  },
);
