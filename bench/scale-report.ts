import { loadavg } from 'node:os';
import { percentile } from './pipeline-probe.js';
import type { BaselineFigures } from './scale-baseline.js';
import type { ModeFigures } from './scale-local.js';

/** The scale benchmark's report: one block per mode against the engine alone, and issue 24's targets. */

/** Issue 24's targets. */
const TARGET = {
  ratio: { local: 0.5, distributed: 0.25 },
  burstP99Ms: { local: 1000, distributed: 2000 },
  rssBytes: 1024 ** 3,
} as const;

export interface MemorySample {
  readonly rss: number;
  readonly heapUsed: number;
}

export interface MemoryFigures {
  /** At the process's start, before the baseline. */
  readonly start: MemorySample;
  /** Before the mode's markets were created. */
  readonly before: MemorySample;
  readonly afterWarm: MemorySample;
  readonly afterBursts: MemorySample;
  readonly markets: number;
}

/** After a full collection when the process runs with --expose-gc (the npm script does). */
export function memoryNow(): MemorySample {
  const collect = (globalThis as { gc?: () => void }).gc;
  collect?.();
  const { rss, heapUsed } = process.memoryUsage();
  return { rss, heapUsed };
}

const mib = (bytes: number): string => `${(bytes / 1024 ** 2).toFixed(0)} MiB`;
const kib = (bytes: number): string => `${(bytes / 1024).toFixed(0)} KiB`;
const ms = (value: number): string => `${value.toFixed(0)} ms`;
const sum = (values: readonly number[]): number => values.reduce((a, b) => a + b, 0);

export function load(): string {
  return loadavg()
    .map((value) => value.toFixed(2))
    .join(' ');
}

export function printBaseline(baseline: BaselineFigures, markets: number): void {
  const seconds = sum(baseline.burstMs) / 1000;
  const sorted = [...baseline.burstMs].sort((a, b) => a - b);
  console.log(
    `engine alone (addCandle + analyze, ${markets} engines): ${baseline.candles} closes → ${baseline.results} results ` +
      `in ${seconds.toFixed(2)} s = ${(baseline.results / seconds).toFixed(0)} results/s; per burst p50 ` +
      `${ms(percentile(sorted, 0.5))}, p99 ${ms(percentile(sorted, 0.99))}; per candle p50 ` +
      `${(percentile(baseline.latencies, 0.5) * 1000).toFixed(0)} µs, p99 ${(percentile(baseline.latencies, 0.99) * 1000).toFixed(0)} µs`,
  );
}

/** Prints the mode's figures; returns whether it lost or duplicated nothing. */
export function printMode(
  mode: ModeFigures,
  baseline: BaselineFigures,
  kind: 'local' | 'distributed',
): boolean {
  const completion = mode.bursts.map((b) => b.completionMs).sort((a, b) => a - b);
  const latencies = mode.bursts.flatMap((b) => b.latencies).sort((a, b) => a - b);
  const results = sum(mode.bursts.map((b) => b.results));
  const seconds = sum(completion) / 1000;
  const storedSeconds = sum(mode.bursts.map((b) => b.storedMs)) / 1000;
  const writes = sum(mode.bursts.map((b) => b.writes));
  const engineRate = baseline.results / (sum(baseline.burstMs) / 1000);
  const rate = results / seconds;
  const ratio = rate / engineRate;
  const { start, before, afterWarm, afterBursts, markets } = mode.memory;
  const { warmResults } = mode;
  const p99 = percentile(completion, 0.99);
  const rows: [string, string, string][] = [
    [
      'burst completion p50 / p99',
      `${ms(percentile(completion, 0.5))} / ${ms(p99)}`,
      `p99 ≤ ${TARGET.burstP99Ms[kind]} ms`,
    ],
    [
      'per-market latency p50 / p99',
      `${ms(percentile(latencies, 0.5))} / ${ms(percentile(latencies, 0.99))}`,
      '',
    ],
    ['results/s (results ÷ burst completion time)', rate.toFixed(0), ''],
    ['× engine alone (throughput ratio)', `${ratio.toFixed(3)}×`, `≥ ${TARGET.ratio[kind]}×`],
    ['results stored/s (÷ time to last stored)', (results / storedSeconds).toFixed(0), ''],
    [
      'bulk writes / burst (results per write)',
      `${(writes / mode.bursts.length).toFixed(1)} (${(results / Math.max(1, writes)).toFixed(0)})`,
      '',
    ],
    ['RSS after bursts (all processes, store included)', mib(afterBursts.rss), `≤ ${mib(TARGET.rssBytes)}`],
    ['RSS growth since process start, per market', kib((afterBursts.rss - start.rss) / markets), ''],
    ['heap per market: warmed analyzers', kib((afterWarm.heapUsed - before.heapUsed) / markets), ''],
    [
      'heap growth during bursts, per result stored',
      kib((afterBursts.heapUsed - afterWarm.heapUsed) / Math.max(1, results + warmResults)),
      '',
    ],
    [
      'event-loop delay p50 / p99 / max (during bursts)',
      `${ms(mode.loopDelay.p50)} / ${ms(mode.loopDelay.p99)} / ${ms(mode.loopDelay.max)}`,
      '',
    ],
  ];
  console.log(`\n${mode.label} — warm-up ${mode.warmSeconds.toFixed(1)} s`);
  // Heap figures are the bench process's: none where the markets live in other processes.
  for (const [label, value, target] of rows.filter(([, v]) => !v.includes('NaN')))
    console.log(`  ${label.padEnd(50)} ${value.padStart(22)}   ${target}`);
  console.log(
    '  per burst (ms): closes→results, publish loop / last result / last stored, writes, latency p50/p99',
  );
  for (const [i, b] of mode.bursts.entries()) {
    console.log(
      `    #${String(i + 1).padStart(2)} ${String(b.closes).padStart(5)}→${String(b.results).padStart(5)}/${b.expected}  ` +
        `${b.publishMs.toFixed(0).padStart(5)} / ${b.resultsMs.toFixed(0).padStart(5)} / ${b.storedMs.toFixed(0).padStart(5)}  ` +
        `${String(b.writes).padStart(3)}  ${percentile(b.latencies, 0.5).toFixed(0)}/${percentile(b.latencies, 0.99).toFixed(0)}` +
        (b.timedOut ? '  TIMED OUT' : ''),
    );
  }
  for (const note of mode.notes) console.log(`  ${note}`);
  const verdicts = [
    `burst p99 ${p99 <= TARGET.burstP99Ms[kind] ? 'PASS' : 'over'}`,
    `throughput ${ratio >= TARGET.ratio[kind] ? 'PASS' : 'under'}`,
    `memory ${afterBursts.rss <= TARGET.rssBytes ? 'PASS' : 'over'}`,
  ];
  console.log(`  targets (issue 24): ${verdicts.join(', ')}`);
  if (mode.faults.length === 0) {
    console.log('  every expected result published exactly once and stored');
    return true;
  }
  for (const fault of mode.faults) console.log(`  FAULT: ${fault}`);
  return false;
}
