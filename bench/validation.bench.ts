/**
 * The forward-validation statistics on the bundled BTC/USDT week's size (10,080 rows), each
 * against one plain Spearman correlation of the same rows (two sorts) run in the same process:
 * the ratio says what the bootstrap, the shifted null and the label resampling add.
 * `npm run bench:validation [-- --rows=N]`
 */
import {
  forwardLogReturns,
  informationCoefficient,
  labelReport,
  rankCorrelationMatrix,
  seededRng,
  spearman,
} from '@app/validation';
import { median, option, row } from './bench-kit.js';

const n = option('rows', 10_080);
const rng = seededRng(5);
const closes: number[] = [100];
for (let i = 1; i <= n; i++) closes.push((closes[i - 1] ?? 100) * Math.exp(0.001 * (rng() - 0.5)));
const forward = forwardLogReturns(closes.slice(0, n + 12), 12);
const signal = Array.from({ length: n }, () => rng() * 100);
const labels = signal.map((s) => (s > 60 ? 'LONG' : s < 40 ? 'SHORT' : 'NEUTRAL'));
const series = Object.fromEntries(
  Array.from({ length: 29 }, (_, k) => [`s${k}`, signal.map((s) => s + k * rng())]),
);
const rows = forward.subarray(0, n);

const baseline = median(() => spearman(signal, rows));
const ic = median(() => informationCoefficient(signal, rows, { horizon: 12 }).ic ?? 0, 11, 2);
const labelled = median(() => labelReport(labels, rows, { horizon: 12 }).n, 11, 2);
const matrix = median(() => rankCorrelationMatrix(series).names.length, 5, 1);

console.log(
  `forward-validation statistics, ${n} rows (medians; ratio against one plain Spearman in this run)\n`,
);
row('baseline: one Spearman correlation (two sorts)', `${baseline.toFixed(2)} ms`, '', true);
// Budgets: the backtest CLI runs ~130 of these on 10,000 candles within 10 s with the engine pass.
row(
  'IC + 1,000 block-bootstrap resamples + 200-shift null',
  `${(ic / baseline).toFixed(1)}×`,
  '≤ 20× (≤ 50 ms)',
  ic <= 50,
);
row(`  (${ic.toFixed(1)} ms)`, '', '', true);
row(
  'label report + spread bootstrap',
  `${(labelled / baseline).toFixed(1)}×`,
  '≤ 20×',
  labelled / baseline <= 20,
);
row(
  'rank-correlation matrix of 29 series (406 pairs)',
  `${(matrix / baseline).toFixed(1)}×`,
  '≤ 60×',
  matrix / baseline <= 60,
);
