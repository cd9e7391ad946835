/**
 * Production refusal benchmark (`npm run bench:refusal`, issue 27 item 6): how long a production
 * gateway without API_KEY_HASHES takes to exit 1, from spawn and from its fatal line, beside the
 * floors of the same machine at the same moment: a bare `node`; a `node` that only imports the boot
 * path (`@app/platform/boot` and the config loader: what the refusal must load to decide); and one
 * that imports the gateway's modules (what a start that goes on pays, and what a refusal paid
 * before the boot path loaded them only after deciding). Redis and MongoDB are TCP listeners that
 * count connections: a refusal must open none. The children get exactly the environment given here
 * (nothing inherited).
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { row } from './bench-kit.js';

const ROOT = join(import.meta.dirname, '..');
const GATEWAY = join(ROOT, 'apps/api-gateway/src/main.js');
const DEFINITION = pathToFileURL(join(ROOT, 'apps/api-gateway/src/api-gateway.definition.js')).href;
const BOOT = pathToFileURL(join(ROOT, 'libs/platform/src/boot.js')).href;
const RUNS_FLAG = process.argv.indexOf('--runs');
/** `--runs N` (default 7) of each kind. */
const RUNS = RUNS_FLAG < 0 ? 7 : Number(process.argv[RUNS_FLAG + 1]);
const BUDGET_MS = 1_000;

interface Run {
  /** Spawn to exit, ms. */
  readonly total: number;
  /** Spawn to the fatal line's own timestamp, ms (null: no fatal line). */
  readonly toFatal: number | null;
  readonly code: number | null;
  readonly output: string;
}

async function timed(args: readonly string[], env: NodeJS.ProcessEnv): Promise<Run> {
  const wallStart = Date.now();
  const start = performance.now();
  const child = spawn(process.execPath, [...args], { cwd: join(ROOT, '..'), env, stdio: 'pipe' });
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  const [code] = (await once(child, 'close')) as [number | null];
  const total = performance.now() - start;
  const fatal = /"level":"fatal","time":(\d+)/.exec(output);
  return { total, toFatal: fatal === null ? null : Number(fatal[1]) - wallStart, code, output };
}

async function countingListener(): Promise<{ server: Server; port: number; accepted: () => number }> {
  let accepted = 0;
  const server = createServer((socket) => {
    accepted += 1;
    socket.destroy();
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return { server, port, accepted: () => accepted };
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

const ms = (value: number): string => `${value.toFixed(0)} ms`;

const redis = await countingListener();
const mongo = await countingListener();
const production: NodeJS.ProcessEnv = {
  NODE_ENV: 'production',
  CONFIG_DIR: join(ROOT, '..', 'config'),
  PORT: '39999',
  LOG_FORMAT: 'json',
  REDIS_URL: `redis://127.0.0.1:${redis.port}`,
  MONGODB_URI: `mongodb://127.0.0.1:${mongo.port}/confluence`,
};

const bare: number[] = [];
const bootImports: number[] = [];
const imports: number[] = [];
const refusals: Run[] = [];
// Interleaved, so a burst of load from other jobs falls on every kind alike.
for (let i = 0; i < RUNS; i += 1) {
  bare.push((await timed(['-e', ''], {})).total);
  bootImports.push(
    (await timed(['--input-type=module', '-e', `await import(${JSON.stringify(BOOT)})`], production)).total,
  );
  imports.push(
    (await timed(['--input-type=module', '-e', `await import(${JSON.stringify(DEFINITION)})`], production))
      .total,
  );
  const refusal = await timed([GATEWAY], production);
  if (refusal.code !== 1 || refusal.toFatal === null)
    throw new Error(
      `expected a refusal (exit 1 after a fatal line), got ${refusal.code}:\n${refusal.output}`,
    );
  refusals.push(refusal);
}
redis.server.close();
mongo.server.close();

const total = median(refusals.map((run) => run.total));
const toFatal = median(refusals.map((run) => run.toFatal ?? Number.NaN));
const afterFatal = median(refusals.map((run) => run.total - (run.toFatal ?? Number.NaN)));
const floor = median(bootImports);

console.log(`production gateway without API_KEY_HASHES, median of ${RUNS} runs each`);
row('bare `node -e ""`: spawn → exit', ms(median(bare)), '', true);
row('import of the boot path only: spawn → exit', ms(floor), '', true);
row('import of the gateway modules only: spawn → exit', ms(median(imports)), '', true);
row('refusal: spawn → fatal line', ms(toFatal), '', true);
row('refusal: fatal line → exit', ms(afterFatal), `≤ ${BUDGET_MS} ms`, afterFatal <= BUDGET_MS);
row('refusal: spawn → exit', ms(total), `≤ ${BUDGET_MS} ms`, total <= BUDGET_MS);
row('refusal ÷ boot-path floor', `${(total / floor).toFixed(2)}×`, '', true);
row(
  'connections opened to Redis / MongoDB (all runs)',
  `${redis.accepted()} / ${mongo.accepted()}`,
  '0 / 0',
  redis.accepted() === 0 && mongo.accepted() === 0,
);
