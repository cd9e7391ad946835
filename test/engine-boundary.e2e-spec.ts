import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from '@jest/globals';
import { REPO_ROOT } from '@app/testing';

/**
 * The engine is plain TypeScript (DESIGN.md), and lint keeps its own files so. These tests prove
 * it where lint cannot see: through barrels and entry points, at run time. Each loads a *built*
 * entry point (`npm run build` first, as `npm test` does) in a fresh Node process whose module
 * hooks record every import, and lists the packages and builtins it pulled in.
 */
async function packagesLoadedBy(entry: string): Promise<string[]> {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [join(REPO_ROOT, 'test/support/list-imports.js'), join(REPO_ROOT, entry)],
    { cwd: REPO_ROOT, env: { ...process.env, NODE_OPTIONS: '' }, maxBuffer: 64 * 1024 * 1024 },
  );
  const packages = new Set<string>();
  for (const url of JSON.parse(stdout) as string[]) {
    if (url.startsWith('node:')) packages.add(url);
    const inModules = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
    if (inModules?.[1] !== undefined) packages.add(inModules[1]);
  }
  return [...packages].sort();
}

/** What the engine had loaded through @app/contracts and @app/config before they were split. */
const FORBIDDEN = [
  'ccxt',
  '@nestjs/common',
  '@nestjs/core',
  '@nestjs/config',
  '@nestjs/swagger',
  'class-validator',
  'class-transformer',
  'reflect-metadata',
  'yaml',
  'mongoose',
  'node:fs',
  'node:http',
  'node:net',
];

describe('engine boundary at run time', () => {
  it('the built engine loads no framework, validation, config loader or I/O: node:crypto only', async () => {
    const loaded = await packagesLoadedBy('dist/libs/confluence/src/index.js');

    expect(loaded.filter((name) => FORBIDDEN.includes(name))).toEqual([]);
    // Stricter than the list: nothing but SHA-256 from Node itself.
    expect(loaded).toEqual(['node:crypto']);
  });

  it('the plain vocabulary of @app/contracts loads no package at all', async () => {
    expect(await packagesLoadedBy('dist/libs/contracts/src/index.js')).toEqual([]);
  });

  it('sees what an entry point loads (the wire classes bring class-validator and Swagger)', async () => {
    // Proves the recorder is not blind: the same probe on the DTO entry point finds them.
    const loaded = await packagesLoadedBy('dist/libs/contracts/src/dto.js');

    expect(loaded).toEqual(
      expect.arrayContaining(['class-validator', 'class-transformer', '@nestjs/swagger']),
    );
  });

  it("the engine's Nest module is behind its own entry point and brings Nest", async () => {
    const loaded = await packagesLoadedBy('dist/libs/confluence/src/nest.js');

    expect(loaded).toEqual(expect.arrayContaining(['@nestjs/common']));
  });
});
