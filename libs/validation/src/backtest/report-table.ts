import type { CorrelationMatrix } from '../stats/correlation.js';
import type { IcEstimate } from '../stats/ic.js';
import type { LabelReport, LabelStats } from '../stats/labels.js';
import type { BacktestReport, HorizonReport, SeriesReport } from './backtest-report.js';

/** Sub-score pairs at least this rank-correlated are listed under "redundant sub-scores". */
const REDUNDANT = 0.7;

const signed = (value: number, digits = 3): string =>
  `${value >= 0 ? '+' : '-'}${Math.abs(value).toFixed(digits)}`;
const percent = (value: number): string => `${(100 * value).toFixed(1)} %`;
const pad = (text: string, width: number): string => text.padEnd(width);

/** "+0.012 [-0.010, +0.031] p 0.45", "insufficient (n 20, 6 indep.)" or "no data". */
export function formatIc(estimate: IcEstimate): string {
  if (estimate.n === 0) return 'no data';
  if (!estimate.sufficient) return `insufficient (n ${estimate.n}, ${estimate.independent} indep.)`;
  if (estimate.ic === null) return 'constant';
  const interval =
    estimate.interval === null
      ? '[—]'
      : `[${signed(estimate.interval.low)}, ${signed(estimate.interval.high)}]`;
  // Three decimals below 0.01, where 200 shifts put the floor (1/201).
  const p = estimate.nullP === null ? '' : ` p ${estimate.nullP.toFixed(estimate.nullP < 0.01 ? 3 : 2)}`;
  return `${signed(estimate.ic)} ${interval}${p}`;
}

/** The report as readable, aligned tables (`backtest --table`). */
export function renderReportTable(report: BacktestReport): string {
  const parts = report.markets.map((market) => {
    const span = market.from === null ? 'no rows' : `rows ${market.from} … ${market.to ?? ''}`;
    const title = `${market.name}: ${market.exchange} ${market.symbol} ${market.timeframe}, ${market.candles} candles, ${market.rows} scored (${span})`;
    return renderSeries(title, market);
  });
  if (report.pooled !== null) parts.push(renderSeries(`All files pooled (${report.pooling})`, report.pooled));
  return `${parts.join('\n\n')}\n`;
}

function renderSeries(title: string, report: SeriesReport): string {
  return [
    title,
    '',
    icTable(report.horizons),
    '',
    labelTables(report.horizons),
    '',
    redundancy(report.redundancy),
  ].join('\n');
}

function icTable(horizons: readonly HorizonReport[]): string {
  const first = horizons[0];
  if (first === undefined) return '(no horizons)';
  // A null picker is a group heading: a line without figures.
  const lines: [string, ((h: HorizonReport) => IcEstimate) | null][] = [['score', (h) => h.ic.score]];
  const group = (heading: string, pick: (h: HorizonReport) => Readonly<Record<string, IcEstimate>>) => {
    lines.push([heading, null]);
    for (const name of Object.keys(pick(first)))
      lines.push([`  ${name}`, (h) => pick(h)[name] as IcEstimate]);
  };
  group('components', (h) => h.ic.components);
  group('sub-scores', (h) => h.ic.subScores);
  group('score without (leave one out)', (h) => h.ic.leaveOneOut);
  group('baselines', (h) => h.ic.baselines);
  const cells = lines.map(([name, pick]) => [
    name,
    ...horizons.map((h) => (pick === null ? '' : formatIc(pick(h)))),
  ]);
  const header = ['Spearman IC vs forward log return', ...horizons.map((h) => `h = ${h.horizon}`)];
  const usable = [
    'rows used (independent)',
    ...horizons.map((h) => `${h.ic.score.n} (${h.ic.score.independent})`),
  ];
  return align([header, usable, ...cells]);
}

function labelTables(horizons: readonly HorizonReport[]): string {
  return horizons
    .map((h) => {
      const rows = [
        [`labels at h = ${h.horizon}`, 'engine', 'technical rating'],
        ...(['LONG', 'NEUTRAL', 'SHORT'] as const).map((label) => [
          `  ${label}`,
          labelCell(h.labels.engine.byLabel[label]),
          labelCell(h.labels.technicalRating.byLabel[label]),
        ]),
        ['  base rate up', rate(h.labels.engine.baseRateUp), rate(h.labels.technicalRating.baseRateUp)],
        ['  LONG − SHORT mean return', spread(h.labels.engine), spread(h.labels.technicalRating)],
      ];
      return align(rows);
    })
    .join('\n\n');
}

const rate = (value: number | null): string => (value === null ? '—' : percent(value));

function labelCell(stats: LabelStats): string {
  const count = `n ${stats.n} (${stats.independent})`;
  if (!stats.sufficient || stats.hitRate === null) return `${count} insufficient`;
  const interval =
    stats.hitInterval === null
      ? ''
      : ` [${percent(stats.hitInterval.low)}, ${percent(stats.hitInterval.high)}]`;
  const mean = stats.meanReturn === null ? '' : `, mean ${signed(stats.meanReturn * 1e4, 1)} bp`;
  return `${count} hit ${percent(stats.hitRate)}${interval}${mean}`;
}

function spread(report: LabelReport): string {
  const { value, interval } = report.longShortSpread;
  if (value === null) return '—';
  const bounds =
    interval === null ? '' : ` [${signed(interval.low * 1e4, 1)}, ${signed(interval.high * 1e4, 1)}]`;
  return `${signed(value * 1e4, 1)} bp${bounds}`;
}

/** The matrix of everything but sub-scores in full; sub-score pairs only where strongly correlated. */
function redundancy(matrix: CorrelationMatrix): string {
  const isSub = (name: string): boolean => name.includes('.');
  const main = matrix.names.map((name, i) => ({ name, i })).filter(({ name }) => !isSub(name));
  const cell = (i: number, j: number): string => {
    const value = matrix.matrix[i]?.[j] ?? null;
    return value === null ? '—' : value.toFixed(2);
  };
  const table = align([
    ['rank correlation', ...main.map((_, k) => `(${k + 1})`)],
    ...main.map(({ name, i }, k) => [`(${k + 1}) ${name}`, ...main.map(({ i: j }) => cell(i, j))]),
  ]);
  const pairs: string[] = [];
  matrix.names.forEach((a, i) => {
    for (let j = i + 1; j < matrix.names.length; j++) {
      const b = matrix.names[j] ?? '';
      const value = matrix.matrix[i]?.[j] ?? null;
      if (isSub(a) && isSub(b) && value !== null && Math.abs(value) >= REDUNDANT)
        pairs.push(`  ${a} ~ ${b}: ${value.toFixed(2)}`);
    }
  });
  const listed =
    pairs.length === 0
      ? `no sub-score pair correlates at |ρ| ≥ ${REDUNDANT}`
      : `sub-score pairs with |ρ| ≥ ${REDUNDANT}:\n${pairs.join('\n')}`;
  return `${table}\n${listed}`;
}

/** Left-aligned columns two spaces apart. */
function align(rows: readonly (readonly string[])[]): string {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return rows
    .map((row) =>
      row
        .map((cell, i) => pad(cell, widths[i] ?? 0))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}
