/**
 * Summarises a V8 .cpuprofile (`node --cpu-prof`, or a benchmark's `--cpu-prof-bursts`): the
 * functions with the most self time, the share of each part of the pipeline (by where the code
 * lives), and the inclusive time of the project's own functions. `node
 * dist/bench/cpu-profile-summary.js FILE [--top=N]`.
 */
import { readFileSync } from 'node:fs';
import { option } from './bench-kit.js';

interface CallFrame {
  readonly functionName: string;
  readonly url: string;
  readonly lineNumber: number;
}

interface ProfileNode {
  readonly id: number;
  readonly callFrame: CallFrame;
  readonly children?: readonly number[];
}

interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

/** Where a frame's time goes, first match wins (the order matters: URLs are checked top down). */
const CATEGORIES: readonly [string, (frame: CallFrame) => boolean][] = [
  ['idle', (f) => f.functionName === '(idle)'],
  ['garbage collection', (f) => f.functionName === '(garbage collector)'],
  ['V8 / native (program)', (f) => f.functionName === '(program)'],
  [
    'JSON parse / stringify (builtins)',
    (f) => f.url === '' && /^(parse|stringify|JSON\.)/.test(f.functionName),
  ],
  [
    'bus validation (class-validator, class-transformer, fast checks)',
    (f) =>
      /node_modules\/(class-validator|class-transformer|validator)\//.test(f.url) ||
      /libs\/contracts\/src\/(fast-validation|event-validation|time-validation)/.test(f.url),
  ],
  ['store: BSON', (f) => f.url.includes('node_modules/bson/')],
  ['store: mongoose', (f) => f.url.includes('node_modules/mongoose/')],
  ['store: mongodb driver', (f) => f.url.includes('node_modules/mongodb/')],
  ['store: embedded server (+ mingo)', (f) => /libs\/embedded-mongo\/|node_modules\/mingo\//.test(f.url)],
  ['persistence (repositories, statements)', (f) => f.url.includes('libs/persistence/')],
  ['result rendering (ResultFormatter)', (f) => f.url.includes('libs/confluence/src/format/')],
  [
    'engine (confluence, trading-signals)',
    (f) => /libs\/confluence\/|node_modules\/trading-signals\//.test(f.url),
  ],
  ['event formatting (analysis-output)', (f) => f.url.includes('libs/analysis/src/analysis-output')],
  ['worker (libs/analysis)', (f) => f.url.includes('libs/analysis/')],
  // V8 runs JSON.parse/stringify inline: their time is the caller's self time, so the in-process
  // bus's `publish` (its JSON wire copy) shows here.
  ['bus (libs/bus: the in-process JSON wire copy, counters)', (f) => f.url.includes('libs/bus/')],
  ['contracts (other)', (f) => f.url.includes('libs/contracts/')],
  ['benchmark harness', (f) => f.url.includes('/bench/')],
  ['node internals (net, streams, timers, …)', (f) => f.url.startsWith('node:')],
  ['other JS', (f) => f.url !== ''],
  ['other builtins', () => true],
];

const categoryOf = (frame: CallFrame): string => (CATEGORIES.find(([, test]) => test(frame)) ?? ['?'])[0];

function short(frame: CallFrame): string {
  const at = frame.url.replace(/^file:\/\/.*?\/(dist|node_modules)\//, '$1/');
  return `${frame.functionName || '(anonymous)'} ${at}${at === '' ? '' : `:${frame.lineNumber + 1}`}`;
}

function summarise(profile: CpuProfile, top: number): void {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  const categories = new Map<string, number>();
  let totalUs = 0;
  for (const [i, id] of profile.samples.entries()) {
    const delta = profile.timeDeltas[i] ?? 0;
    const node = byId.get(id);
    if (node === undefined) continue;
    totalUs += delta;
    const name = short(node.callFrame);
    self.set(name, (self.get(name) ?? 0) + delta);
    const category = categoryOf(node.callFrame);
    categories.set(category, (categories.get(category) ?? 0) + delta);
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const frame = byId.get(at)?.callFrame;
      if (!frame?.url.includes('/dist/')) continue;
      const label = short(frame);
      if (seen.has(label)) continue;
      seen.add(label);
      inclusive.set(label, (inclusive.get(label) ?? 0) + delta);
    }
  }
  const idle = categories.get('idle') ?? 0;
  const busy = totalUs - idle;
  const pct = (us: number, of: number): string => `${((100 * us) / of).toFixed(1).padStart(5)}%`;
  const msOf = (us: number): string => `${(us / 1000).toFixed(0).padStart(7)} ms`;
  console.log(
    `profile: ${msOf(totalUs)} sampled, ${msOf(idle)} idle; shares below are of the busy ${msOf(busy)}\n`,
  );
  console.log('by part (self time):');
  for (const [name, us] of [...categories].sort((a, b) => b[1] - a[1]))
    if (name !== 'idle') console.log(`  ${pct(us, busy)} ${msOf(us)}  ${name}`);
  console.log(`\ntop ${top} functions by self time:`);
  for (const [name, us] of [...self].sort((a, b) => b[1] - a[1]).slice(0, top))
    console.log(`  ${pct(us, busy)} ${msOf(us)}  ${name}`);
  console.log(`\ntop ${top} of the project's functions by inclusive time:`);
  for (const [name, us] of [...inclusive].sort((a, b) => b[1] - a[1]).slice(0, top))
    console.log(`  ${pct(us, busy)} ${msOf(us)}  ${name}`);
}

const file = process.argv.slice(2).find((arg) => !arg.startsWith('--'));
if (file === undefined) {
  console.error('usage: node dist/bench/cpu-profile-summary.js FILE.cpuprofile [--top=N]');
  process.exitCode = 2;
} else {
  summarise(JSON.parse(readFileSync(file, 'utf8')) as CpuProfile, option('top', 30));
}
