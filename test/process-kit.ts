import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { REPO_ROOT, SpawnedProcess } from '@app/testing';

/** The standalone embedded store runner (`npm run store:embedded`). */
export const STORE_ENTRY = 'dist/tools/embedded-mongo/main.js';

/** Fails with a clear message when an entry point was not built (`npm test` builds first). */
export function requireBuilt(entries: readonly string[]): void {
  for (const entry of entries)
    if (!existsSync(join(REPO_ROOT, entry)))
      throw new Error(`${entry} is missing: run \`npm run build\` first`);
}

/**
 * The processes one e2e file spawns: started with only PATH and TZ=UTC from this environment (a
 * test must not depend on the developer's), all killed by `killAll` after it.
 */
export class Processes {
  readonly #running: { entry: string; child: SpawnedProcess }[] = [];

  node(entry: string, env: NodeJS.ProcessEnv, args: readonly string[] = []): SpawnedProcess {
    const child = SpawnedProcess.node(entry, { PATH: process.env.PATH, TZ: 'UTC', ...env }, args);
    this.#running.push({ entry, child });
    return child;
  }

  /** An embedded store process on a free port; `uri` is its address with no database. */
  async embeddedStore(args: readonly string[] = []): Promise<{ store: SpawnedProcess; uri: string }> {
    const store = this.node(STORE_ENTRY, {}, ['--port', '0', ...args]);
    const printed = await store.waitFor(/mongodb:\/\/127\.0\.0\.1:\d+\//);
    return { store, uri: printed.trim().replace(/\/$/, '') };
  }

  /**
   * Kills every process. With E2E_LOG_DIR set (diagnostics only: no test reads it), each one's
   * output is kept there first, to read what a failing multi-process run did.
   */
  async killAll(): Promise<void> {
    const running = this.#running.splice(0);
    await Promise.all(running.map(({ child }) => child.kill()));
    const dir = process.env.E2E_LOG_DIR;
    if (dir === undefined || dir === '') return;
    mkdirSync(dir, { recursive: true });
    running.forEach(({ entry, child }, i) => {
      writeFileSync(join(dir, `${Date.now()}-${i}-${basename(entry, '.js')}.log`), child.output);
    });
  }
}
