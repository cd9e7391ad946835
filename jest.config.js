// @ts-check
import { readFileSync } from 'node:fs';

/** @type {{ compilerOptions: { paths: Record<string, string[]> } }} */
const { compilerOptions } = JSON.parse(readFileSync(new URL('./tsconfig.json', import.meta.url), 'utf8'));

/** `@app/config` → `<rootDir>/./libs/config/src/index.ts`, one exact-match entry per tsconfig alias. */
const aliasMapper = Object.fromEntries(
  Object.entries(compilerOptions.paths).map(([alias, [target]]) => [
    `^${alias.replace(/[.*+?^${}()|[\]\\-]/g, '\\$&')}$`,
    `<rootDir>/${target}`,
  ]),
);

/**
 * One Jest config for unit (`*.spec.ts`) and end-to-end (`*.e2e-spec.ts`) tests.
 * NestJS 12 ships as ES modules only, and Jest on Node 20 cannot require() them, so tests run as
 * ES modules (`--experimental-vm-modules`, set by the npm scripts).
 * The `@app/*` mapper is derived from tsconfig's `paths`, so the two cannot drift apart.
 * Type checking is `npm run typecheck`'s job; here SWC only transpiles, emitting the decorator
 * metadata Nest's DI reads as tsc does.
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
    '^.+\\.ts$': [
      '@swc/jest',
      {
        jsc: {
          parser: { syntax: 'typescript', decorators: true },
          transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: true },
          target: 'es2023',
          keepClassNames: true,
        },
        module: { type: 'es6' },
        sourceMaps: 'inline',
      },
    ],
  },
  moduleNameMapper: {
    ...aliasMapper,
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
    '!libs/platform/src/boot.ts',
    // A browser page, proven in a browser (test/dashboard.e2e-spec.ts), not in Node.
    '!apps/api-gateway/dashboard/**',
    // Test kits: libs/testing and each lib's own src/testing/ helpers.
    '!**/testing/**',
  ],
  // Istanbul counters compiled in at transform time (cached), not V8's precise coverage: taking V8
  // coverage after every suite re-walks every script the worker has loaded, which was 45 % of the
  // suite's CPU time (420 s → 250 s for the whole run, same tests, same floor).
  coverageProvider: 'babel',
  coverageReporters: ['text-summary', 'lcov'],
  coverageThreshold: { global: { lines: 90, branches: 80, functions: 90 } },
  // A safety net only: above the 60 s deadline of `eventually` (@app/testing), which fires first
  // and names what it awaited.
  testTimeout: 120_000,
  // Jest's default is one worker per core minus one: a single worker on the 2-core machines, where
  // the suites then run one after another while spawned processes and Redis wait on I/O. Two
  // workers there took the whole run from 788 s to 339 s; no test depends on wall-clock timing.
  maxWorkers: '100%',
  // ES-module suites leave their module graphs on a worker's heap, which grew to 1 GB, and every
  // later suite paid for collecting it; a worker over this size is replaced between suites
  // (whole run 213 s → 178 s).
  workerIdleMemoryLimit: '500MB',
  // At the end a worker is asked to exit and gets this long before Jest kills it and reports "failed
  // to exit gracefully". Jest's 500 ms was too short once, with both cores busy (stress-ng), for a
  // worker still winding down its last suite; a handle that really leaks keeps a worker alive for
  // good, so it is still reported, after 10 s.
  workerGracefulExitTimeout: 10_000,
};
