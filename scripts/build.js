// @ts-check
/**
 * `npm run build`: every service, tool and benchmark source → dist/, the same layout tsc gave
 * (dist/apps/api-gateway/src/main.js …), `@app/*` aliases rewritten to relative imports.
 * SWC transpiles each file on its own, so this takes about a second where `tsc` took 15 s; the
 * types are checked by `npm run typecheck`, which `npm test` runs beside it.
 * Then the dashboard (a browser page, not a service) is bundled by Vite into dist/dashboard, which
 * the gateway serves at `/`.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import { transformFile } from '@swc/core';
import { build as viteBuild } from 'vite';
import { swcOptions } from './swc-options.js';

const ROOT = join(import.meta.dirname, '..');
const OUT = join(ROOT, 'dist');
/** What tsconfig.build.json used to include; tests and the test kit stay out of the image. */
const SOURCE_DIRS = ['apps', 'libs', 'local', 'tools', 'bench'];
/**
 * The benchmarks drive the test kit's fakes (bench:stream, the fake exchange), so the kit is built
 * where they are; the image copies no bench/ into its build, so the kit stays out of it.
 */
const TEST_KIT = existsSync(join(ROOT, 'bench')) ? /^libs\/testing\/src\// : null;
/** The dashboard's sources: bundled by Vite below, not transpiled file by file. */
const DASHBOARD = 'apps/api-gateway/dashboard';
/** Test kits: libs/testing and each lib's own src/testing/ helpers. */
const TESTING = /(^|\/)testing\//;
const EXCLUDED = [/\.spec\.ts$/, /\.e2e-spec\.ts$/, /\.d\.ts$/, TESTING, new RegExp(`^${DASHBOARD}/`)];

/** @returns {string[]} repository-relative paths of the sources to build */
function sources() {
  return SOURCE_DIRS.filter((dir) => existsSync(join(ROOT, dir))).flatMap((dir) =>
    readdirSync(join(ROOT, dir), { recursive: true, encoding: 'utf8' })
      .map((file) => join(dir, file).replaceAll('\\', '/'))
      .filter(
        (file) =>
          file.endsWith('.ts') &&
          !EXCLUDED.some((pattern) => pattern.test(file) && !(pattern === TESTING && TEST_KIT?.test(file))),
      ),
  );
}

/** @type {{ compilerOptions: { paths: Record<string, string[]> } }} */
const tsconfig = JSON.parse(readFileSync(join(ROOT, 'tsconfig.json'), 'utf8'));
const options = swcOptions({ baseUrl: ROOT, paths: tsconfig.compilerOptions.paths });

const started = performance.now();
rmSync(OUT, { recursive: true, force: true });
const files = sources();
await Promise.all(
  files.map(async (file) => {
    const target = join(OUT, file.replace(/\.ts$/, '.js'));
    const output = await transformFile(join(ROOT, file), {
      ...options,
      sourceMaps: true,
      outputPath: target,
      sourceFileName: relative(dirname(target), join(ROOT, file)),
    });
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, `${output.code}\n//# sourceMappingURL=${basename(target)}.map\n`);
    if (output.map !== undefined) writeFileSync(`${target}.map`, output.map);
  }),
);
const transpiled = performance.now();
await viteBuild({
  root: join(ROOT, DASHBOARD),
  configFile: false,
  logLevel: 'warn',
  base: '/',
  build: { outDir: join(OUT, 'dashboard'), emptyOutDir: true, reportCompressedSize: false },
});
process.stderr.write(
  `built ${files.length} files into dist/ in ${Math.round(transpiled - started)} ms, ` +
    `the dashboard into dist/dashboard in ${Math.round(performance.now() - transpiled)} ms\n`,
);
