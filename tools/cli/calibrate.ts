import { existsSync, realpathSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { CANDIDATE_WEIGHTS_FILE, type ConfluenceConfig } from '@app/config';
import { WeightManager } from '@app/confluence';
import { COMPONENT_NAMES, COMPONENT_SUBSCORES } from '@app/contracts';
import { forwardLogReturns } from '@app/validation';
import {
  type CalibrationResult,
  calibrateWeights,
  formatIc,
  renderWeightsYaml,
  runBacktest,
  type ScoringWeights,
  subScoreTable,
} from '@app/validation/backtest';
import { checkScored } from './backtest.js';
import { parseFlags, UsageError } from './flags.js';
import { checkFlags, InputFileError, intFlag, type MarketFilesIo, readMarketFiles } from './market-files.js';

export interface CalibrateIo extends MarketFilesIo {
  writeFile(path: string, text: string): void;
  stdout(text: string): void;
}

const FLAGS = ['input', 'timeframe', 'horizon', 'folds', 'out'];

/** The path with symlinks resolved (its directory's, when the file does not exist yet). */
function canonical(path: string): string {
  const absolute = resolve(path);
  if (existsSync(absolute)) return realpathSync(absolute);
  const parent = dirname(absolute);
  return existsSync(parent) ? join(realpathSync(parent), basename(absolute)) : absolute;
}

/** The weights files the running configuration loads: never to be overwritten by a candidate. */
function liveWeightsFiles(config: ConfluenceConfig): string[] {
  const dir = config.environment.configDir;
  return [join(dir, 'weights.yaml'), join(dir, config.environment.nodeEnv, 'weights.yaml')].map(canonical);
}

/**
 * `cli calibrate`: fits component and sub-score weights walk-forward and writes them as a candidate
 * weights file beside the live one — only when their out-of-sample IC beats both the current
 * weights' and zero (exit 0); otherwise it says so and writes nothing (exit 1). Never writes over
 * the live weights.yaml (exit 2).
 */
export function calibrate(args: readonly string[], io: CalibrateIo): number {
  const flags = parseFlags(args);
  checkFlags(flags, FLAGS, 'calibrate');
  const horizon = intFlag(flags, 'horizon', 12, 1, 100_000);
  const folds = intFlag(flags, 'folds', 5, 1, 100);
  const markets = readMarketFiles(io, flags);
  const config = io.loadConfig();
  const out = flags.get('out') ?? join(config.environment.configDir, CANDIDATE_WEIGHTS_FILE);
  if (liveWeightsFiles(config).includes(canonical(out)))
    throw new UsageError(
      `--out ${out} is the live weights file; a candidate is written beside it, never over it`,
    );
  const rows = runBacktest(markets, config);
  for (const market of rows) checkScored(market);
  const current = new WeightManager(config.weights).forSymbol(undefined);
  const result = calibrateWeights(
    rows.map((market) => {
      const forward = forwardLogReturns(
        market.candles.map((c) => c.close),
        horizon,
      );
      return {
        table: subScoreTable(market.rows),
        forward: Float64Array.from(market.rows, (row) => forward[row.candleIndex] as number),
      };
    }),
    current,
    { horizon, folds },
  );
  if (result.folds.length === 0) {
    const scored = rows.map((m) => `${m.market.name}: ${m.rows.length} scored rows`).join(', ');
    throw new InputFileError(`too few rows for ${folds} folds ${horizon} rows apart (${scored})`);
  }
  io.stdout(describe(result, current, { horizon, folds, files: markets.map((m) => m.name) }));
  const fitted = result.outOfSample.fitted.ic;
  const versus = `${ic(fitted)} vs ${ic(result.outOfSample.current.ic)}`;
  const reason = !result.better
    ? `out of sample the fitted weights rank forward returns no better than the current ones (${versus})`
    : fitted === null || fitted <= 0
      ? `out of sample the fitted weights beat the current ones (${versus}) but not zero: neither ranks forward returns better than chance`
      : null;
  if (reason !== null) {
    io.stdout(
      `\nNOT WRITTEN: ${reason}. Keep the current weights; nothing was written ` +
        `(an earlier ${basename(out)}, if any, is as it was).\n`,
    );
    return 1;
  }
  const header = [
    `Candidate weights from cli calibrate (not live: copy over weights.yaml to use them).`,
    `Input: ${markets.map((m) => m.name).join(', ')}; horizon ${horizon} candles, ${folds} walk-forward folds.`,
    `Out-of-sample IC ${ic(fitted)} (current weights ${ic(result.outOfSample.current.ic)}); ` +
      `fitted on every row: in-sample IC ${ic(result.inSample.fitted)}.`,
    `Only weights of components and sub-scores with data in the input were fitted; the rest are as they were.`,
  ];
  io.writeFile(out, renderWeightsYaml(result.candidate, config.weights, header));
  io.stdout(
    `\nWROTE ${out}: out of sample the fitted weights beat the current ones. It is not live: review it, then copy it over weights.yaml.\n`,
  );
  return 0;
}

const ic = (value: number | null): string =>
  value === null ? '—' : `${value >= 0 ? '+' : '-'}${Math.abs(value).toFixed(3)}`;

function describe(
  result: CalibrationResult,
  current: ScoringWeights,
  run: { horizon: number; folds: number; files: readonly string[] },
): string {
  const lines = [
    `calibrate: ${run.files.join(', ')}; horizon ${run.horizon} candles; ${run.folds} walk-forward folds (gap ${run.horizon} rows; train on earlier rows only)`,
    '',
    [
      'fold',
      'train rows',
      'test rows',
      'in-sample IC',
      'out-of-sample IC',
      'current weights, out of sample',
    ].join('\t'),
    ...result.folds.map((fold, k) =>
      [
        `${k + 1}`,
        fold.splits.map((s) => `${s.train.start}–${s.train.end - 1}`).join(' + '),
        fold.splits.map((s) => `${s.test.start}–${s.test.end - 1}`).join(' + '),
        ic(fold.inSample.fitted),
        ic(fold.outOfSample.fitted),
        ic(fold.outOfSample.current),
      ].join('\t'),
    ),
    '',
    `every fold's test rows: out-of-sample IC ${formatIc(result.outOfSample.fitted)}; current weights ${formatIc(result.outOfSample.current)}`,
    `fitted on every row (the candidate): in-sample IC ${ic(result.inSample.fitted)}; current weights ${ic(result.inSample.current)}`,
    '',
    ['weight', 'current', 'candidate'].join('\t'),
    ...COMPONENT_NAMES.map((c) =>
      [c, current.components[c].toFixed(4), result.candidate.components[c].toFixed(4)].join('\t'),
    ),
    ...COMPONENT_NAMES.filter((c) => result.fitted.components.includes(c)).flatMap((c) =>
      COMPONENT_SUBSCORES[c].map((s) =>
        [
          `  ${c}.${s}`,
          (current.subscores[c][s] ?? 0).toFixed(4),
          (result.candidate.subscores[c][s] ?? 0).toFixed(4),
        ].join('\t'),
      ),
    ),
  ];
  return `${alignTabs(lines)}\n`;
}

/** Aligns each run of tab-separated lines into columns; other lines are left as they are. */
function alignTabs(lines: readonly string[]): string {
  const out: string[] = [];
  let run: string[][] = [];
  const flush = (): void => {
    const widths: number[] = [];
    for (const row of run) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
    for (const row of run)
      out.push(
        row
          .map((cell, i) => cell.padEnd(widths[i] ?? 0))
          .join('  ')
          .trimEnd(),
      );
    run = [];
  };
  for (const line of lines) {
    if (line.includes('\t')) run.push(line.split('\t'));
    else {
      flush();
      out.push(line);
    }
  }
  flush();
  return out.join('\n');
}
