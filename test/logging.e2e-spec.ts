import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { REPO_ROOT, SpawnedProcess } from '@app/testing';
import { requireBuilt } from './process-kit.js';

/**
 * The built logger in a process of its own, for what only a real process shows: lines written
 * just before `process.exit` reach the pipe (a logger that buffered, or wrote from a worker
 * thread, would lose the end of a crashing process's output, its most useful part).
 */
const LOGGER = 'dist/libs/platform/src/confluence.logger.js';
const GUARDS = 'dist/libs/platform/src/process-guards.js';
const LINES = 5_000;

/** More than a pipe holds (64 KiB) of ordinary lines, then a crash routed to the logger. */
function crashingScript(format: 'json' | 'pretty'): string {
  const url = (entry: string): string => pathToFileURL(join(REPO_ROOT, entry)).href;
  return `
    const { ConfluenceLogger } = await import(${JSON.stringify(url(LOGGER))});
    const { installCrashHandlers } = await import(${JSON.stringify(url(GUARDS))});
    const logger = new ConfluenceLogger({ service: 'exit-probe', level: 'log', format: '${format}', secrets: ['tops3cret'] });
    installCrashHandlers(process, logger, (code) => process.exit(code));
    for (let i = 0; i < ${LINES}; i++) logger.log('line ' + i + ' ' + 'x'.repeat(100), 'Probe');
    setTimeout(() => { throw new Error('crashed holding tops3cret'); });
  `;
}

const running: SpawnedProcess[] = [];

beforeAll(() => {
  requireBuilt([LOGGER, GUARDS]);
});

afterEach(async () => {
  await Promise.all(running.splice(0).map((child) => child.kill()));
});

describe('log lines at process.exit', () => {
  it.each(['json', 'pretty'] as const)(
    'are all out, the fatal one included, when a crash exits the process (%s)',
    async (format) => {
      const child = SpawnedProcess.command(
        process.execPath,
        ['--input-type=module', '-e', crashingScript(format)],
        { PATH: process.env.PATH, TZ: 'UTC' },
      );
      running.push(child);

      expect(await child.exited).toEqual({ code: 1, signal: null });
      const lines = child.stdout.split('\n').filter((line) => line !== '');
      expect(lines).toHaveLength(LINES);
      expect(lines[LINES - 1]).toContain(`line ${LINES - 1} `);
      expect(child.stderr).toContain('uncaught exception: crashed holding ***');
      expect(child.stderr).toMatch(/Error: crashed holding \*\*\*(\\n|\n)\s+at /);
      expect(child.output).not.toContain('tops3cret');
    },
  );
});
