import { FSYNC_POLICIES, type FsyncPolicy } from '@app/embedded-mongo';

export interface RunnerArguments {
  readonly port: number;
  readonly dataDir?: string;
  readonly journalFsync?: FsyncPolicy;
}

export const USAGE =
  'usage: embedded-mongo [--port <port>] [--data-dir <directory>] [--fsync always|everysec|no]';

/** Parses `--port <p> [--data-dir <d>] [--fsync <policy>]`; returns an error message instead of throwing. */
export function parseRunnerArguments(argv: readonly string[]): RunnerArguments | { error: string } {
  let port = 0;
  let dataDir: string | undefined;
  let journalFsync: FsyncPolicy | undefined;
  for (let i = 0; i < argv.length; i += 2) {
    const flag = argv[i];
    const value = argv[i + 1];
    if (value === undefined || value.startsWith('--')) return { error: `${flag ?? ''} needs a value` };
    if (flag === '--port') {
      const parsed = Number(value);
      if (!Number.isInteger(parsed) || parsed < 0 || parsed > 65_535) {
        return { error: `--port must be an integer between 0 and 65535, got '${value}'` };
      }
      port = parsed;
    } else if (flag === '--data-dir') {
      dataDir = value;
    } else if (flag === '--fsync') {
      const policy = FSYNC_POLICIES.find((p) => p === value);
      if (policy === undefined) return { error: `--fsync must be always, everysec or no, got '${value}'` };
      journalFsync = policy;
    } else {
      return { error: `unknown argument '${flag ?? ''}'` };
    }
  }
  return {
    port,
    ...(dataDir === undefined ? {} : { dataDir }),
    ...(journalFsync === undefined ? {} : { journalFsync }),
  };
}
