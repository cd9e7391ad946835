import { backtestReport, type MarketRows, renderReportTable, runBacktest } from '@app/validation/backtest';
import { parseFlags, UsageError } from './flags.js';
import {
  checkFlags,
  InputFileError,
  intFlag,
  loadScoringConfig,
  type MarketFilesIo,
  readMarketFiles,
} from './market-files.js';

export interface BacktestIo extends MarketFilesIo {
  stdout(text: string): void;
}

const FLAGS = ['input', 'timeframe', 'weights', 'horizons', 'momentum', 'seed', 'resamples', 'table'];

/** `--horizons 1,4,12,24`: distinct whole numbers of candles ≥ 1. */
function horizonsFlag(flags: ReadonlyMap<string, string>): number[] {
  const raw = flags.get('horizons') ?? '1,4,12,24';
  const horizons = raw.split(',').map((part) => part.trim());
  if (horizons.some((h) => !/^\d+$/.test(h) || Number(h) < 1 || Number(h) > 100_000))
    throw new UsageError(
      `--horizons must be whole numbers of candles from 1 to 100000, comma-separated, got "${raw}"`,
    );
  const values = horizons.map(Number);
  if (new Set(values).size !== values.length) throw new UsageError(`--horizons repeats a horizon: "${raw}"`);
  return values;
}

/**
 * `cli backtest`: streams the files through the engine as the worker does and reports how well the
 * score, its components, sub-scores and leave-one-out scores, and the baselines rank forward
 * returns (JSON, or tables with --table). Exit 2 on a bad flag or file, naming it.
 */
export function backtest(args: readonly string[], io: BacktestIo): number {
  const flags = parseFlags(args, ['table']);
  checkFlags(flags, FLAGS, 'backtest');
  const options = {
    horizons: horizonsFlag(flags),
    momentum: intFlag(flags, 'momentum', 12, 1, 100_000),
    seed: intFlag(flags, 'seed', 1, 0, 2 ** 32 - 1),
    resamples: intFlag(flags, 'resamples', 1000, 1, 100_000),
  };
  const markets = readMarketFiles(io, flags);
  const config = loadScoringConfig(io, flags.get('weights'));
  const rows = runBacktest(markets, config);
  for (const market of rows) checkScored(market);
  const report = backtestReport(rows, options);
  io.stdout(flags.has('table') ? renderReportTable(report) : `${JSON.stringify(report, null, 2)}\n`);
  return 0;
}

/** A file too short for the engine to score anything is a bad input, as in `cli score`. */
export function checkScored(market: MarketRows): void {
  if (market.rows.length > 0) return;
  throw new InputFileError(
    `${market.market.name}: ${market.candles.length} candles; the engine needs at least ${market.required} to score`,
  );
}
