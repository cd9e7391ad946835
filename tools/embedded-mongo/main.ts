import { EmbeddedMongoServer } from '@app/embedded-mongo';
import { errorMessage } from '@app/contracts';
import { parseRunnerArguments, USAGE } from './args.js';

/** Standalone runner: prints the URI, stops cleanly (final snapshot) on SIGINT/SIGTERM. */
async function main(argv: readonly string[]): Promise<number | undefined> {
  const parsed = parseRunnerArguments(argv);
  if ('error' in parsed) {
    process.stderr.write(`${parsed.error}\n${USAGE}\n`);
    return 2;
  }
  const server = await EmbeddedMongoServer.start(parsed);
  const storage =
    parsed.dataDir === undefined
      ? 'in memory: data is lost on exit'
      : `snapshot and journal (fsync ${parsed.journalFsync ?? 'everysec'}) in ${parsed.dataDir}`;
  process.stderr.write(
    `WARNING: embedded MongoDB-compatible server, for local mode and tests only (${storage}); production uses MongoDB\n`,
  );
  process.stdout.write(`${server.uri}\n`);
  const shutdown = (signal: NodeJS.Signals): void => {
    process.off('SIGINT', shutdown);
    process.off('SIGTERM', shutdown);
    process.stderr.write(`embedded-mongo: ${signal}, stopping\n`);
    server.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`embedded-mongo: stop failed: ${String(error)}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
  return undefined;
}

main(process.argv.slice(2)).then(
  (exitCode) => {
    if (exitCode !== undefined) process.exitCode = exitCode;
  },
  (error: unknown) => {
    process.stderr.write(`embedded-mongo: ${errorMessage(error)}\n`);
    process.exitCode = 1;
  },
);
