import { basename } from 'node:path';
import { type ConfluenceConfig, ConfigValidationError, parseReplayFileName } from '@app/config';
import { parseCandleCsv } from '@app/confluence';
import { isTimeframe, type Timeframe } from '@app/contracts';
import { type BacktestMarket, firstCandleProblem } from '@app/validation/backtest';
import { UsageError } from './flags.js';

/** What the backtest commands read: files, and the configuration (optionally another weights file). */
export interface MarketFilesIo {
  readFile(path: string): string;
  loadConfig(options?: { readonly weightsFile?: string }): ConfluenceConfig;
}

/** Input the command cannot use, named by file and line: exit code 2, without the usage text. */
export class InputFileError extends Error {}

/** `--flag` as a whole number in [min, max]. */
export function intFlag(
  flags: ReadonlyMap<string, string>,
  name: string,
  fallback: number,
  min: number,
  max: number,
): number {
  const raw = flags.get(name);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(value) || value < min || value > max)
    throw new UsageError(`--${name} must be a whole number from ${min} to ${max}, got "${raw}"`);
  return value;
}

/** Refuses flags the command does not take. */
export function checkFlags(
  flags: ReadonlyMap<string, string>,
  known: readonly string[],
  command: string,
): void {
  const unknown = [...flags.keys()].find((flag) => !known.includes(flag));
  if (unknown !== undefined) throw new UsageError(`${command} does not take --${unknown}`);
}

/** The 1-based line of the `index`-th candle (parseCandleCsv skips blank lines). */
function lineOfCandle(text: string, index: number): number {
  const lines = text.split(/\r?\n/);
  let seen = -1;
  for (let i = 1; i < lines.length; i++) {
    if ((lines[i] ?? '').trim() === '') continue;
    if (++seen === index) return i + 1;
  }
  return lines.length;
}

/**
 * The files of `--input a.csv,b.csv` as markets. A file named as data/'s are
 * (`BTC-USDT_1m_2021-02-19_binance.csv`) is scored as that exchange, symbol and timeframe, so
 * per-symbol weights apply as in the worker; `--timeframe` overrides the name's timeframe, and a
 * file named otherwise is `csv CSV/CSV` (no per-symbol weights) at `--timeframe` (default 1m).
 */
export function readMarketFiles(io: MarketFilesIo, flags: ReadonlyMap<string, string>): BacktestMarket[] {
  const input = flags.get('input');
  if (input === undefined || input.trim() === '') throw new UsageError('--input is required');
  const timeframeFlag = flags.get('timeframe');
  if (timeframeFlag !== undefined && !isTimeframe(timeframeFlag))
    throw new UsageError(`--timeframe "${timeframeFlag}" is not a known timeframe`);
  const paths = input.split(',').map((path) => path.trim());
  if (paths.some((path) => path === '')) throw new UsageError(`--input "${input}" names an empty file`);
  return paths.map((path) => {
    let text: string;
    try {
      text = io.readFile(path);
    } catch (error) {
      throw new InputFileError(`cannot read ${path}: ${(error as Error).message}`);
    }
    const parsed = parseCandleCsv(text);
    if (!parsed.ok) throw new InputFileError(`${path}: line ${parsed.line}: ${parsed.message}`);
    const named = parseReplayFileName(basename(path));
    const timeframe: Timeframe = timeframeFlag ?? named?.timeframe ?? '1m';
    const problem = firstCandleProblem(parsed.candles, timeframe);
    if (problem !== null)
      throw new InputFileError(`${path}: line ${lineOfCandle(text, problem.index)}: ${problem.message}`);
    return {
      name: path,
      exchange: named?.exchange ?? 'csv',
      symbol: named?.symbol ?? 'CSV/CSV',
      timeframe,
      candles: parsed.candles,
    };
  });
}

/** The configuration, with `--weights` validated by the config loader in place of weights.yaml. */
export function loadScoringConfig(io: MarketFilesIo, weightsFile: string | undefined): ConfluenceConfig {
  if (weightsFile === undefined) return io.loadConfig();
  try {
    return io.loadConfig({ weightsFile });
  } catch (error) {
    if (!(error instanceof ConfigValidationError)) throw error;
    throw new InputFileError(`--weights ${weightsFile}: ${error.message}`);
  }
}
