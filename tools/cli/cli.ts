import { randomBytes } from 'node:crypto';
import { isTimeframe, type Timeframe, timeframeToMs } from '@app/contracts';
import type { ConfluenceConfig } from '@app/config';
import {
  type Candle,
  createConfluenceEngine,
  EXPORT_INDICATORS,
  IndicatorPlan,
  parseCandleCsv,
  ResultFormatter,
} from '@app/confluence';
import { hashApiKey } from '@app/gateway';
import { alertRules, renderRuleFile, UnknownMetricError } from './alert-rules.js';
import { backtest } from './backtest.js';
import { calibrate } from './calibrate.js';
import { parseFlags, required, UsageError } from './flags.js';
import { grafanaDashboard, renderDashboard } from './grafana-dashboard.js';
import { InputFileError } from './market-files.js';
import { metricCatalog } from './metric-catalog.js';

/** What the CLI may touch, so tests run it in-process with fakes for files and streams. */
export interface CliIo {
  readFile(path: string): string;
  writeFile(path: string, text: string): void;
  stdout(text: string): void;
  stderr(text: string): void;
  /** `weightsFile` replaces config/weights.yaml (validated as it is). */
  loadConfig(options?: { readonly weightsFile?: string }): ConfluenceConfig;
}

export const ExitCode = { Ok: 0, Failure: 1, BadInput: 2 } as const;

const USAGE = `usage:
  cli indicators --input <candles.csv> [--output <file.json>]
  cli score --input <candles.csv> [--timeframe 1m] [--symbol BTC/USDT] [--exchange binance]
  cli api-key --name <name>   (a new random API key, and its API_KEY_HASHES entry)
  cli alert-rules [--out <file>]   (config/monitoring.yaml's alerts as a Prometheus rule file)
  cli grafana-dashboard [--out <file>]   (a Grafana dashboard of every metric the apps export)
  cli repair --exchange <id> --symbol <BASE/QUOTE> --from <time> --to <time> [--timeframe 1m] [--dry-run]
  cli backtest --input <candles.csv>[,<candles.csv>…] [--timeframe 1m] [--weights <weights.yaml>]
      [--horizons 1,4,12,24] [--momentum 12] [--seed 1] [--resamples 1000] [--table]
      (how well the score, its components and baselines ranked forward returns: IC, labels, redundancy)
  cli calibrate --input <candles.csv>[,…] [--timeframe 1m] [--horizon 12] [--folds 5] [--out <path>]
      (walk-forward weight fit; writes config/weights.candidate.yaml only if it beats the current weights)
CSV: header row, then timestamp(ms, open time),open,high,low,close,volume per line, oldest first.`;

/** Runs the CLI; returns the exit code (2 for bad input, naming the offending line). */
export function runCli(argv: readonly string[], io: CliIo): number {
  const [command, ...rest] = argv;
  try {
    if (command === 'api-key') return apiKey(io, parseFlags(rest));
    if (command === 'backtest') return backtest(rest, io);
    if (command === 'calibrate') return calibrate(rest, io);
    if (command === 'alert-rules')
      return writeGenerated(io, command, parseFlags(rest), () =>
        renderRuleFile(alertRules(io.loadConfig().monitoring, metricCatalog())),
      );
    if (command === 'grafana-dashboard')
      return writeGenerated(io, command, parseFlags(rest), () =>
        renderDashboard(grafanaDashboard(metricCatalog(), io.loadConfig().monitoring)),
      );
    if (command !== 'indicators' && command !== 'score')
      throw new UsageError(`unknown command "${command ?? ''}"`);
    const flags = parseFlags(rest);
    const input = required(flags, 'input');
    let text: string;
    try {
      text = io.readFile(input);
    } catch (error) {
      io.stderr(`cannot read ${input}: ${(error as Error).message}\n`);
      return ExitCode.BadInput;
    }
    const parsed = parseCandleCsv(text);
    if (!parsed.ok) {
      io.stderr(`${input}: line ${parsed.line}: ${parsed.message}\n`);
      return ExitCode.BadInput;
    }
    if (command === 'indicators') {
      const plan = new IndicatorPlan(EXPORT_INDICATORS);
      const json = `${JSON.stringify({ length: parsed.candles.length, indicators: plan.computeSeries(parsed.candles) })}\n`;
      const output = flags.get('output');
      if (output === undefined) io.stdout(json);
      else io.writeFile(output, json);
      return ExitCode.Ok;
    }
    const timeframe = flags.get('timeframe') ?? '1m';
    if (!isTimeframe(timeframe)) throw new UsageError(`--timeframe "${timeframe}" is not a known timeframe`);
    return score(
      io,
      parsed.candles,
      timeframe,
      flags.get('symbol') ?? 'CSV',
      flags.get('exchange') ?? 'csv',
      input,
    );
  } catch (error) {
    if (error instanceof InputFileError) {
      io.stderr(`${error.message}\n`);
      return ExitCode.BadInput;
    }
    if (!(error instanceof UsageError)) throw error;
    io.stderr(`${error.message}\n${USAGE}\n`);
    return ExitCode.BadInput;
  }
}

const KEY_NAME = /^[A-Za-z0-9_.-]{1,64}$/;

/**
 * A new API key (32 random bytes, base64url) and the `name:sha256` entry for API_KEY_HASHES. Only
 * the hash is configured anywhere; the key is shown once, here.
 */
function apiKey(io: CliIo, flags: Map<string, string>): number {
  const name = required(flags, 'name');
  if (!KEY_NAME.test(name))
    throw new UsageError('--name must be 1–64 letters, digits, dots, dashes or underscores');
  const key = randomBytes(32).toString('base64url');
  io.stdout(`key: ${key}\nAPI_KEY_HASHES entry: ${name}:${hashApiKey(key)}\n`);
  io.stderr(
    'Give the key to its client (X-API-Key header); configure only the entry. The key is not stored.\n',
  );
  return ExitCode.Ok;
}

/**
 * A generated monitoring file (committed under monitoring/), to `--out` or stdout; exit 1 when
 * it would read a metric no app exports.
 */
function writeGenerated(
  io: CliIo,
  command: string,
  flags: Map<string, string>,
  render: () => string,
): number {
  const unknown = [...flags.keys()].find((flag) => flag !== 'out');
  if (unknown !== undefined) throw new UsageError(`${command} takes only --out, not --${unknown}`);
  let text: string;
  try {
    text = render();
  } catch (error) {
    if (!(error instanceof UnknownMetricError)) throw error;
    io.stderr(`${error.message}\n`);
    return ExitCode.Failure;
  }
  const out = flags.get('out');
  if (out === undefined) io.stdout(text);
  else io.writeFile(out, text);
  return ExitCode.Ok;
}

function score(
  io: CliIo,
  candles: readonly Candle[],
  timeframe: Timeframe,
  symbol: string,
  exchange: string,
  input: string,
): number {
  const config = io.loadConfig();
  const engine = createConfluenceEngine(config);
  // The result is as of the last candle's close, so the same file always scores the same.
  const now = (candles.at(-1)?.timestamp ?? 0) + timeframeToMs(timeframe);
  const outcome = engine.analyzeCandles({ exchange, symbol, candles: { [timeframe]: candles } }, now);
  if (outcome.status === 'rejected') {
    io.stderr(`${input}: ${outcome.detail}\n`);
    return ExitCode.BadInput;
  }
  if (outcome.status === 'warming-up') {
    io.stderr(
      `${input}: ${outcome.candles} candles; the engine needs at least ${outcome.required} to score\n`,
    );
    return ExitCode.BadInput;
  }
  io.stdout(`${JSON.stringify(new ResultFormatter().full(outcome.result), null, 2)}\n`);
  return ExitCode.Ok;
}
