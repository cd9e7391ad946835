import { percentile } from './pipeline-probe.js';
import type { Sample } from './stream-probe.js';
import type { RegimeResult } from './stream-regimes.js';

/** Issue 23's budget: exchange message → `confluence.updated`, in-process, p99 per market. */
export const BUDGET_P99_MS = 5;

export interface PathFigures {
  readonly label: string;
  readonly result: RegimeResult;
  /** One line each: load, worker and bus counters. */
  readonly notes: readonly string[];
}

export interface RegimeFigures {
  readonly name: 'paced' | 'burst';
  readonly description: string;
  readonly baseline: PathFigures;
  readonly stream: PathFigures;
}

interface Summary {
  readonly count: number;
  readonly total: readonly number[];
  readonly toBus: readonly number[];
}

function summary(result: RegimeResult): Summary {
  const samples: Sample[] = result.rounds.flatMap((round) => round.samples);
  const sorted = (values: number[]): number[] => values.sort((a, b) => a - b);
  return {
    count: samples.length,
    total: sorted(samples.map((s) => s.total)),
    toBus: sorted(samples.map((s) => s.toBus)),
  };
}

const ms = (value: number): string => (Number.isNaN(value) ? '—' : value.toFixed(2));
const median = (values: readonly number[]): number =>
  percentile(
    [...values].sort((a, b) => a - b),
    0.5,
  );

/** The table, the ratios to the baseline, notes, and the budget line; returns the paced stream p99. */
export function printReport(regimes: readonly RegimeFigures[]): number {
  console.log(
    `${'regime'.padEnd(7)} ${'path'.padEnd(44)} ${'closes'.padStart(6)} ${'p50 ms'.padStart(8)} ` +
      `${'p90 ms'.padStart(8)} ${'p99 ms'.padStart(8)} ${'max ms'.padStart(8)}  ${'→bus p50'.padStart(8)} ` +
      `${'→bus p99'.padStart(8)} ${'burst done ms'.padStart(13)}`,
  );
  for (const regime of regimes)
    for (const path of [regime.baseline, regime.stream]) {
      const s = summary(path.result);
      const done = path.result.completions;
      console.log(
        `${regime.name.padEnd(7)} ${path.label.padEnd(44)} ${String(s.count).padStart(6)} ` +
          `${ms(percentile(s.total, 0.5)).padStart(8)} ${ms(percentile(s.total, 0.9)).padStart(8)} ` +
          `${ms(percentile(s.total, 0.99)).padStart(8)} ${ms(s.total.at(-1) ?? Number.NaN).padStart(8)}  ` +
          `${ms(percentile(s.toBus, 0.5)).padStart(8)} ${ms(percentile(s.toBus, 0.99)).padStart(8)} ` +
          (done.length === 0 ? '—' : `${ms(median(done))} (max ${ms(Math.max(...done))})`).padStart(13),
      );
    }
  console.log(
    "\nlatency: stream = the fake wrote the close's kline frame → its confluence.updated received; baseline = the " +
      'same candle handed to the bus → its confluence.updated.\n→bus: up to the candle.closed on the bus (stream: ' +
      'ccxt pro, frame reader, candle feed; baseline: the bus copy only). burst done: first close written → last ' +
      'result, median of the bursts.',
  );
  let pacedP99 = Number.NaN;
  for (const regime of regimes) {
    const base = summary(regime.baseline.result);
    const stream = summary(regime.stream.result);
    const ratio = (p: number): string =>
      `${(percentile(stream.total, p) / percentile(base.total, p)).toFixed(1)}×`;
    const over = (p: number): string => `${ms(percentile(stream.total, p) - percentile(base.total, p))} ms`;
    console.log(
      `\n${regime.name}: ${regime.description}\n  stream / baseline: p50 ${ratio(0.5)}, p99 ${ratio(0.99)}; ` +
        `stream overhead: p50 +${over(0.5)}, p99 +${over(0.99)}`,
    );
    for (const path of [regime.baseline, regime.stream]) {
      console.log(`  ${path.label}`);
      for (const note of path.notes) console.log(`    ${note}`);
    }
    if (regime.name === 'paced') pacedP99 = percentile(stream.total, 0.99);
  }
  if (!regimes.some((regime) => regime.name === 'paced')) return pacedP99;
  console.log(
    `\n${'paced p99, exchange message → confluence.updated, per market'.padEnd(66)} ${`${ms(pacedP99)} ms`.padStart(10)}` +
      `   ≤ ${BUDGET_P99_MS} ms ${pacedP99 <= BUDGET_P99_MS ? 'PASS' : 'OVER BUDGET'}`,
  );
  return pacedP99;
}

/** Where the slowest closes of a path were: symbol and candle time of the worst few. */
export function worst(result: RegimeResult, count: number): string {
  const samples = result.rounds.flatMap((round) => round.samples).sort((a, b) => b.total - a.total);
  return samples
    .slice(0, count)
    .map(
      (s) =>
        `${s.symbol} ${new Date(s.candleTime).toISOString().slice(11, 16)} ${ms(s.total)} ms (→bus ${ms(s.toBus)})`,
    )
    .join(', ');
}
