import { percentile } from './pipeline-probe.js';
import type { Figures } from './pipeline-rig.js';

/** DESIGN.md's in-process live-update budget: a closed candle to its confluence.updated. */
const BUDGET_P99_MS = 2;

/** The bench's report: one row per path with its ratio to the engine alone, notes, the budget. */
export function print(baseline: Figures, paths: readonly Figures[]): void {
  const perCandle = (f: Figures): number | null =>
    f.seconds === null ? null : (f.seconds * 1e6) / f.candles;
  const base = perCandle(baseline) ?? Number.NaN;
  const ms = (value: number): string => value.toFixed(3);
  console.log(
    `${'path'.padEnd(56)} ${'candles'.padStart(7)} ${'candles/s'.padStart(10)} ${'µs/candle'.padStart(10)} ` +
      `${'p50 ms'.padStart(8)} ${'p99 ms'.padStart(8)} ${'× engine'.padStart(9)} ${'stored'.padStart(11)}`,
  );
  for (const f of [baseline, ...paths]) {
    const cost = perCandle(f);
    let ratio = 'baseline';
    if (f !== baseline) ratio = cost === null ? '—' : `${(cost / base).toFixed(1)}×`;
    const stored = f.stored === null ? '—' : `${f.stored.count}/${f.stored.expected}`;
    console.log(
      `${f.label.padEnd(56)} ${String(f.candles).padStart(7)} ` +
        `${(f.seconds === null ? 'paced' : (f.candles / f.seconds).toFixed(0)).padStart(10)} ` +
        `${(cost === null ? '—' : cost.toFixed(1)).padStart(10)} ${ms(percentile(f.latencies, 0.5)).padStart(8)} ` +
        `${ms(percentile(f.latencies, 0.99)).padStart(8)} ${ratio.padStart(9)} ${stored.padStart(11)}`,
    );
  }
  console.log(
    '\nlatency: engine = addCandle + analyze per candle; paths = candle handed to the bus → its confluence.updated ' +
      'received.\nµs/candle and × engine: wall time per candle until the last result is stored (store writes included).',
  );
  for (const f of paths) {
    console.log(`\n${f.label}`);
    for (const note of f.notes) console.log(`  ${note}`);
  }
  console.log('');
  for (const f of paths) {
    const p99 = percentile(f.latencies, 0.99);
    const inProcess = f.label.startsWith('local');
    const verdict = p99 <= BUDGET_P99_MS ? 'PASS' : 'over';
    console.log(
      `${`live update p99 — ${f.label}`.padEnd(72)} ${`${ms(p99)} ms`.padStart(10)}   ≤ ${BUDGET_P99_MS} ms ` +
        `${verdict.padEnd(5)}${inProcess ? '' : ' (budget is in-process; for reference)'}`,
    );
  }
}
