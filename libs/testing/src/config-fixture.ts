import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

/** The project's own `config/` directory, the baseline every fixture starts from. */
export const PROJECT_CONFIG_DIR = resolve(import.meta.dirname, '../../../config');

export interface ConfigFixture {
  readonly dir: string;
  /** Writes (or replaces) one file, path relative to the config dir (`production/app.yaml`). */
  write(file: string, text: string): void;
  /** Replaces `search` in a file; throws if it is absent, so a test can never edit nothing. */
  patch(file: string, search: string, replacement: string): void;
  remove(file: string): void;
  cleanup(): void;
}

/**
 * A throw-away copy of the project's config directory, so each test changes one thing and
 * everything else stays the shipped, valid configuration.
 */
/** The app.yaml line every fixture changes: store operations time out after 60 s, not 5 s. */
export const STORE_TIMEOUT_PATCH = {
  from: 'operationTimeoutMs: 5000',
  to: 'operationTimeoutMs: 60000',
} as const;

export function createConfigFixture(files: Readonly<Record<string, string>> = {}): ConfigFixture {
  const dir = mkdtempSync(join(tmpdir(), 'confluence-config-'));
  cpSync(PROJECT_CONFIG_DIR, dir, { recursive: true });
  const fixture: ConfigFixture = {
    dir,
    write(file, text) {
      mkdirSync(dirname(join(dir, file)), { recursive: true });
      writeFileSync(join(dir, file), text);
    },
    patch(file, search, replacement) {
      const path = join(dir, file);
      const text = readFileSync(path, 'utf8');
      if (!text.includes(search)) throw new Error(`${file} does not contain ${JSON.stringify(search)}`);
      writeFileSync(path, text.replace(search, replacement));
    },
    remove(file) {
      rmSync(join(dir, file), { force: true });
    },
    cleanup() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
  // The store's timeouts are wall-clock safety nets: on a machine whose cores are both busy, even
  // the in-process embedded server can take longer than production's 5 s to answer the first
  // handshake. Tests of the timeout path patch their own (from STORE_TIMEOUT_PATCH.to).
  fixture.patch('app.yaml', STORE_TIMEOUT_PATCH.from, STORE_TIMEOUT_PATCH.to);
  for (const [file, text] of Object.entries(files)) fixture.write(file, text);
  return fixture;
}
