/** Timing and reporting shared by the engine benchmarks. */
import { performance } from 'node:perf_hooks';

/**
 * Median wall time of `runs` calls, after `warm` unmeasured calls (lets the JIT settle). Each
 * call returns a number that is checked, so the optimiser cannot drop the work.
 */
export function median(fn: () => number, runs = 31, warm = 5): number {
  let sink = 0;
  for (let i = 0; i < warm; i++) sink += fn();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    sink += fn();
    times.push(performance.now() - start);
  }
  if (Number.isNaN(sink)) console.log('(a run produced NaN)');
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)] ?? Number.NaN;
}

/** One result line: what, the figure, its budget from DESIGN.md (if any), and whether it is met. */
export function row(label: string, value: string, budget: string, ok: boolean): void {
  console.log(
    `${label.padEnd(58)} ${value.padStart(14)}   ${budget.padEnd(22)} ${ok ? 'ok' : 'OVER BUDGET'}`,
  );
}

/** `--name=N` from the command line, a whole number ≥ 1, or `fallback` when absent. */
export function option(name: string, fallback: number): number {
  const raw = process.argv.find((arg) => arg.startsWith(`--${name}=`))?.slice(name.length + 3);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) throw new Error(`--${name}: "${raw}" is not a whole number ≥ 1`);
  return value;
}
