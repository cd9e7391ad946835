import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import { loadConfig } from '@app/config';
import { marketDataPath, MARKET_FILES, PROJECT_CONFIG_DIR } from '@app/testing';
import type { BacktestReport } from '@app/validation/backtest';
import { type CliIo, ExitCode, runCli } from './cli.js';

const dir = mkdtempSync(join(tmpdir(), 'cli-backtest-'));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** The first `candles` rows of a bundled file, under its own name (so its market is recognised). */
function slice(file: string, candles: number): string {
  const path = join(dir, file);
  const lines = readFileSync(marketDataPath(file), 'utf8').split('\n');
  writeFileSync(path, `${lines.slice(0, candles + 1).join('\n')}\n`);
  return path;
}

function harness(files: Record<string, string> = {}) {
  const written: Record<string, string> = {};
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = {
    readFile: (path) => files[path] ?? readFileSync(path, 'utf8'),
    writeFile: (path, text) => {
      written[path] = text;
    },
    stdout: (text) => out.push(text),
    stderr: (text) => err.push(text),
    loadConfig: (options) =>
      loadConfig({ env: { NODE_ENV: 'test', CONFIG_DIR: PROJECT_CONFIG_DIR }, ...options }),
  };
  return { io, written, out: () => out.join(''), err: () => err.join('') };
}

const btc = slice(MARKET_FILES.btc1m, 700);
const ltc = slice(MARKET_FILES.ltc1m, 500);
const FAST = ['--resamples', '50', '--horizons', '1,12'];
const HEADER = 'timestamp,open,high,low,close,volume';

describe('cli backtest', () => {
  it('prints the report as JSON: per file, pooled, with the market read from the file name', () => {
    const h = harness();
    expect(runCli(['backtest', '--input', `${btc},${ltc}`, ...FAST], h.io)).toBe(ExitCode.Ok);
    const report = JSON.parse(h.out()) as BacktestReport;
    expect(report.markets.map((m) => [m.exchange, m.symbol, m.timeframe, m.candles])).toEqual([
      ['binance', 'BTC/USDT', '1m', 700],
      ['binance', 'LTC/USDT', '1m', 500],
    ]);
    expect(report.options).toEqual({ horizons: [1, 12], momentum: 12, seed: 1, resamples: 50 });
    expect(report.pooled?.rows).toBe(report.markets[0]!.rows + report.markets[1]!.rows);
    const score = report.markets[0]!.horizons[1]!.ic.score;
    expect(score).toMatchObject({ sufficient: true, independent: Math.floor(score.n / 12) });
    expect(score.interval!.low).toBeLessThanOrEqual(score.ic!);
    expect(score.interval!.high).toBeGreaterThanOrEqual(score.ic!);
    expect(report.pooling).toMatch(/forward returns are computed within each file/);
  });

  it('prints aligned tables with --table', () => {
    const h = harness();
    expect(runCli(['backtest', '--input', btc, ...FAST, '--table'], h.io)).toBe(ExitCode.Ok);
    const table = h.out();
    expect(table).toMatch(/^.*binance BTC\/USDT 1m, 700 candles, \d+ scored/);
    expect(table).toMatch(/\nscore\s+[+-]\d\.\d{3} \[[+-]\d\.\d{3}, [+-]\d\.\d{3}\] p \d\.\d+/);
    expect(table).toMatch(/\n {2}orderBook\s+no data\s+no data\n/);
    expect(table).toMatch(/labels at h = 12\s+engine\s+technical rating/);
    expect(table).toMatch(/\(1\) score\s+1\.00/);
  });

  it('scores with another weights file, validated as weights.yaml is', () => {
    const live = readFileSync(join(PROJECT_CONFIG_DIR, 'weights.yaml'), 'utf8');
    const onlyTechnical = live
      .replace('orderFlow: 0.30', 'orderFlow: 0')
      .replace('orderBook: 0.20', 'orderBook: 0')
      .replace('volume: 0.18', 'volume: 0')
      .replace('priceStructure: 0.15', 'priceStructure: 0')
      .replace('technical: 0.10', 'technical: 1')
      .replace('sentiment: 0.07', 'sentiment: 0');
    const path = join(dir, 'technical-only.yaml');
    writeFileSync(path, onlyTechnical);
    const h = harness();
    expect(runCli(['backtest', '--input', btc, ...FAST, '--weights', path], h.io)).toBe(ExitCode.Ok);
    const report = JSON.parse(h.out()) as BacktestReport;
    // All the weight on technical: the score is the technical component, rank for rank.
    const { score, components } = report.markets[0]!.horizons[1]!.ic;
    expect(score).toEqual(components.technical);

    const bad = join(dir, 'bad-weights.yaml');
    writeFileSync(bad, live.replace('orderFlow: 0.30', 'orderFlow: 0.60'));
    const refused = harness();
    expect(runCli(['backtest', '--input', btc, '--weights', bad], refused.io)).toBe(ExitCode.BadInput);
    expect(refused.err()).toMatch(
      /^--weights .*bad-weights\.yaml: Invalid configuration \(1 problem\):\n {2}bad-weights\.yaml: components: weights must sum to 1 \(±0\.000001\), got 1\.3 \(line \d+, column \d+\)\n$/,
    );
    expect(refused.out()).toBe('');
  });

  it.each([
    ['no --input', [], /^--input is required\nusage:/],
    ['an unknown flag', ['--input', btc, '--horizon', '4'], /^backtest does not take --horizon\n/],
    ['a horizon of 0', ['--input', btc, '--horizons', '1,0'], /^--horizons must be whole numbers/],
    ['a repeated horizon', ['--input', btc, '--horizons', '4,4'], /^--horizons repeats a horizon: "4,4"/],
    [
      'a fractional momentum',
      ['--input', btc, '--momentum', '1.5'],
      /^--momentum must be a whole number from 1 to 100000, got "1\.5"/,
    ],
    ['no resamples', ['--input', btc, '--resamples', '0'], /^--resamples must be a whole number from 1/],
    ['a negative seed', ['--input', btc, '--seed', '-1'], /^--seed must be a whole number from 0/],
    [
      'an unknown timeframe',
      ['--input', btc, '--timeframe', '7m'],
      /^--timeframe "7m" is not a known timeframe/,
    ],
    ['a value-less flag', ['--input', btc, '--seed'], /^expected --flag value pairs, got "--seed"/],
  ])('exits 2 with the usage for %s', (_case, args, message) => {
    const h = harness();
    expect(runCli(['backtest', ...args], h.io)).toBe(ExitCode.BadInput);
    expect(h.err()).toMatch(message);
    expect(h.out()).toBe('');
  });

  it.each([
    ['an unreadable file', '/nope.csv', {}, /^cannot read \/nope\.csv: ENOENT/],
    [
      'a bad cell',
      '/bad.csv',
      { '/bad.csv': `${HEADER}\n0,1,1,1,1,1\n\n60000,1,x,1,1,1\n` },
      /^\/bad\.csv: line 4: high is not a number: "x"\n$/,
    ],
    [
      'a candle off the timeframe’s grid',
      '/odd.csv',
      { '/odd.csv': `${HEADER}\n0,1,1,1,1,1\n\n60001,1,1,1,1,1\n` },
      /^\/odd\.csv: line 4: timestamp must be a 1m candle open time/,
    ],
    [
      'too few candles to score',
      '/short.csv',
      { '/short.csv': `${HEADER}\n0,1,1,1,1,1\n60000,1,1,1,1,1\n` },
      /^\/short\.csv: 2 candles; the engine needs at least \d+ to score\n$/,
    ],
  ])('exits 2 naming the file and line for %s', (_case, path, files, message) => {
    const h = harness(files);
    expect(runCli(['backtest', '--input', `${btc},${path}`], h.io)).toBe(ExitCode.BadInput);
    expect(h.err()).toMatch(message);
    expect(h.out()).toBe('');
  });
});

describe('cli calibrate', () => {
  /** A sine wave with a little noise: momentum sub-scores lead its next candles, oscillators do not. */
  function wave(): string {
    let state = 7;
    const random = (): number => {
      state = (state * 1103515245 + 12345) % 2147483648;
      return state / 2147483648;
    };
    const lines = [HEADER];
    let previous = 100;
    for (let i = 0; i < 1500; i++) {
      const close = 100 + 5 * Math.sin((2 * Math.PI * i) / 40) + (random() - 0.5) * 0.6;
      const high = Math.max(previous, close) + random() * 0.3;
      const low = Math.min(previous, close) - random() * 0.3;
      lines.push(
        [i * 60_000, previous, high, low, close, 10 + random() * 5].map((v) => v.toFixed(4)).join(','),
      );
      previous = close;
    }
    return `${lines.join('\n')}\n`;
  }

  it('writes a candidate beside the live weights when it beats them out of sample; it loads through validation', () => {
    const h = harness({ '/wave.csv': wave() });
    expect(runCli(['calibrate', '--input', '/wave.csv', '--horizon', '4', '--folds', '3'], h.io)).toBe(
      ExitCode.Ok,
    );
    const out = join(PROJECT_CONFIG_DIR, 'weights.candidate.yaml');
    expect(Object.keys(h.written)).toEqual([out]);
    expect(h.out()).toMatch(
      /fold\s+train rows\s+test rows\s+in-sample IC\s+out-of-sample IC\s+current weights, out of sample\n1\s+0–361\s+366–726\s+/,
    );
    expect(h.out()).toMatch(
      /\nWROTE .*weights\.candidate\.yaml: out of sample the fitted weights beat the current ones/,
    );
    const path = join(dir, 'candidate.yaml');
    writeFileSync(path, h.written[out]!);
    const loaded = loadConfig({
      env: { NODE_ENV: 'test', CONFIG_DIR: PROJECT_CONFIG_DIR },
      weightsFile: path,
    });
    // No order book or flow in candles: their weights are the live ones.
    expect(loaded.weights.components).toMatchObject({ orderFlow: 0.3, orderBook: 0.2 });
    expect(loaded.weights.components).not.toEqual(
      loadConfig({ env: { NODE_ENV: 'test', CONFIG_DIR: PROJECT_CONFIG_DIR } }).weights.components,
    );
  });

  it('writes nothing and exits 1 when the fitted weights do not beat the current ones out of sample', () => {
    const h = harness();
    const out = join(dir, 'never.yaml');
    expect(runCli(['calibrate', '--input', btc, '--horizon', '4', '--folds', '3', '--out', out], h.io)).toBe(
      ExitCode.Failure,
    );
    expect(h.written).toEqual({});
    expect(h.out()).toMatch(
      /\nNOT WRITTEN: out of sample the fitted weights .*Keep the current weights; nothing was written/,
    );
  });

  it.each([
    ['the live file', join(PROJECT_CONFIG_DIR, 'weights.yaml')],
    [
      'the live file by a relative, roundabout path',
      relative(process.cwd(), join(PROJECT_CONFIG_DIR, '..', 'config', 'weights.yaml')),
    ],
  ])('refuses to write over %s (exit 2)', (_case, out) => {
    const h = harness();
    expect(runCli(['calibrate', '--input', btc, '--out', out], h.io)).toBe(ExitCode.BadInput);
    expect(h.err()).toMatch(
      /^--out .*weights\.yaml is the live weights file; a candidate is written beside it, never over it\n/,
    );
    expect(h.written).toEqual({});
  });

  it('exits 2 when the rows are too few for the folds', () => {
    const h = harness();
    expect(runCli(['calibrate', '--input', btc, '--horizon', '700'], h.io)).toBe(ExitCode.BadInput);
    expect(h.err()).toMatch(
      /^too few rows for 5 folds 700 rows apart \(.*BTC-USDT_1m_2021-02-19_binance\.csv: \d+ scored rows\)\n$/,
    );
    expect(h.written).toEqual({});
  });

  it('exits 2 for a bad horizon or fold count', () => {
    for (const args of [
      ['--horizon', '0'],
      ['--folds', 'x'],
      ['--horizons', '4'],
    ]) {
      const h = harness();
      expect(runCli(['calibrate', '--input', btc, ...args], h.io)).toBe(ExitCode.BadInput);
      expect(h.err()).toMatch(/^--(horizon|folds) must be|^calibrate does not take --horizons/);
    }
  });
});
