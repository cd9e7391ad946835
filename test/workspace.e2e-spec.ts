import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { SERVICE_VERSION } from '@app/contracts';
import { REPO_ROOT } from '@app/testing';
import jestConfig from '../jest.config.js';

interface NestProject {
  readonly type: 'application' | 'library';
  readonly root: string;
}

function readJson(file: string): unknown {
  return JSON.parse(readFileSync(join(REPO_ROOT, file), 'utf8'));
}

const libs = readdirSync(join(REPO_ROOT, 'libs')).sort();
const apps = readdirSync(join(REPO_ROOT, 'apps')).sort();
/**
 * Entry points besides a lib's index (docs/adr/0005): the wire classes, the engine's Nest module;
 * what a process's boot loads before Nest (docs/adr/0017): the config without its Nest module,
 * the boot itself, the gateway's start refusal; and the backtest, which loads the engine and the
 * worker's analysis that the statistics must not.
 */
const SECOND_ENTRY_POINTS: Readonly<Record<string, string>> = {
  '@app/contracts/dto': './libs/contracts/src/dto.ts',
  '@app/confluence/nest': './libs/confluence/src/nest.ts',
  '@app/config/core': './libs/config/src/core.ts',
  '@app/platform/boot': './libs/platform/src/boot.ts',
  '@app/gateway/access': './libs/gateway/src/access-policy.ts',
  '@app/validation/backtest': './libs/validation/src/backtest.ts',
};

describe('workspace wiring', () => {
  it('has the three apps the design names', () => {
    expect(apps).toEqual(['analysis-worker', 'api-gateway', 'market-data']);
  });

  it('gives every lib an @app/<lib> alias in tsconfig, pointing at its index, and only the second entry points besides', () => {
    const { compilerOptions } = readJson('tsconfig.json') as {
      compilerOptions: { paths: Record<string, string[]> };
    };

    expect(Object.keys(compilerOptions.paths).sort()).toEqual(
      [...libs.map((lib) => `@app/${lib}`), ...Object.keys(SECOND_ENTRY_POINTS)].sort(),
    );
    for (const lib of libs)
      expect(compilerOptions.paths[`@app/${lib}`]).toEqual([`./libs/${lib}/src/index.ts`]);
    for (const [alias, target] of Object.entries(SECOND_ENTRY_POINTS))
      expect(compilerOptions.paths[alias]).toEqual([target]);
  });

  it("keeps Jest's module mapper in step with tsconfig's aliases", () => {
    const mapper = jestConfig.moduleNameMapper as Record<string, string>;

    // The mapper's keys are regexes (`-` is escaped), so ask which entry resolves the alias.
    const resolve = (specifier: string) =>
      Object.entries(mapper).find(([pattern]) => new RegExp(pattern).test(specifier))?.[1];
    for (const lib of libs) expect(resolve(`@app/${lib}`)).toBe(`<rootDir>/./libs/${lib}/src/index.ts`);
    for (const [alias, target] of Object.entries(SECOND_ENTRY_POINTS))
      expect(resolve(alias)).toBe(`<rootDir>/${target}`);
  });

  it('declares every app and lib as a Nest CLI project', () => {
    const { monorepo, projects } = readJson('nest-cli.json') as {
      monorepo: boolean;
      projects: Record<string, NestProject>;
    };

    expect(monorepo).toBe(true);
    expect(Object.keys(projects).sort()).toEqual([...apps, ...libs].sort());
    for (const app of apps) expect(projects[app]).toMatchObject({ type: 'application', root: `apps/${app}` });
    for (const lib of libs) expect(projects[lib]).toMatchObject({ type: 'library', root: `libs/${lib}` });
  });

  it('pins exact dependency versions and reports the package version at /health/live', () => {
    const pkg = readJson('package.json') as {
      version: string;
      dependencies: Record<string, string>;
      devDependencies: Record<string, string>;
    };
    const ranges = Object.entries({ ...pkg.dependencies, ...pkg.devDependencies }).filter(([, version]) =>
      /^[~^<>*]|\|\||\sx$/.test(version),
    );

    expect(ranges).toEqual([]);
    expect(SERVICE_VERSION).toBe(pkg.version);
  });
});
