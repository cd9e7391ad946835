// @ts-check
import { readFileSync } from 'node:fs';
import { pathsToModuleNameMapper } from 'ts-jest';

const { compilerOptions } = JSON.parse(readFileSync(new URL('./tsconfig.json', import.meta.url), 'utf8'));

/**
 * One Jest config for unit (`*.spec.ts`) and end-to-end (`*.e2e-spec.ts`) tests.
 * NestJS 12 ships as ES modules only, and Jest on Node 20 cannot require() them, so tests run as
 * ES modules (`--experimental-vm-modules`, set by the npm scripts).
 * The `@app/*` mapper is derived from tsconfig's `paths`, so the two cannot drift apart.
 * Type checking is `npm run typecheck`'s job; here ts-jest only transpiles (isolatedModules).
 * @type {import('jest').Config}
 */
export default {
  testEnvironment: 'node',
  rootDir: import.meta.dirname,
  roots: ['<rootDir>/apps', '<rootDir>/libs', '<rootDir>/local', '<rootDir>/tools', '<rootDir>/test'],
  testRegex: '\\.(spec|e2e-spec)\\.ts$',
  moduleFileExtensions: ['ts', 'js', 'json'],
  extensionsToTreatAsEsm: ['.ts'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.spec.json', useESM: true }],
  },
  moduleNameMapper: {
    ...pathsToModuleNameMapper(compilerOptions.paths, { prefix: '<rootDir>/' }),
    // A CommonJS package that require()s ESM-only Nest 12 cannot load in Jest on Node 20; the
    // global setup wraps it into an ES module (test/cjs-shim.js).
    '^@nestjs/throttler$': '<rootDir>/node_modules/.cache/esm-shims/nestjs-throttler.mjs',
    // The reverse: @fastify/static (CommonJS) require()s content-disposition 3 (ES module only).
    '^content-disposition$': '<rootDir>/node_modules/.cache/esm-shims/content-disposition.cjs',
    // Sources import siblings as `./x.js` (Node ESM); Jest resolves them to `./x.ts`.
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
  globalSetup: '<rootDir>/test/global-setup.js',
  // Entry points and the bootstrap run in spawned processes (test/local-mode.e2e-spec.ts),
  // where in-process coverage cannot see them; the floor below is for everything else.
  collectCoverageFrom: [
    '{apps,libs,local,tools}/**/*.ts',
    '!**/*.spec.ts',
    '!**/main.ts',
    '!libs/platform/src/run-service.ts',
    '!libs/testing/**',
  ],
  coverageProvider: 'v8',
  coverageReporters: ['text-summary', 'lcov'],
  coverageThreshold: { global: { lines: 90, branches: 80, functions: 90 } },
  testTimeout: 30_000,
  // Jest's default is one worker per core minus one: a single worker on the 2-core machines, where
  // the suites then run one after another while spawned processes and Redis wait on I/O. Two
  // workers there took the whole run from 788 s to 339 s; no test depends on wall-clock timing.
  maxWorkers: '100%',
};
