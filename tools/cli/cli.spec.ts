import { readFileSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import { loadConfig } from '@app/config';
import { loadMarketCandles, MARKET_FILES, marketDataPath, PROJECT_CONFIG_DIR } from '@app/testing';
import { EXPORT_INDICATORS, IndicatorPlan } from '@app/confluence';
import { createHash } from 'node:crypto';
import { type CliIo, ExitCode, runCli } from './cli.js';

function harness(files: Record<string, string> = {}) {
  const written: Record<string, string> = {};
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = {
    readFile: (path) => {
      const text = files[path];
      if (text !== undefined) return text;
      return readFileSync(path, 'utf8');
    },
    writeFile: (path, text) => {
      written[path] = text;
    },
    stdout: (text) => out.push(text),
    stderr: (text) => err.push(text),
    loadConfig: () => loadConfig({ env: { NODE_ENV: 'test', CONFIG_DIR: PROJECT_CONFIG_DIR } }),
  };
  return { io, written, out: () => out.join(''), err: () => err.join('') };
}

const HEADER = 'timestamp,open,high,low,close,volume';

describe('cli indicators', () => {
  it('writes one value per row for every documented indicator, null before warm-up', () => {
    const h = harness();
    const input = marketDataPath(MARKET_FILES.ltc1m);
    expect(runCli(['indicators', '--input', input, '--output', '/out.json'], h.io)).toBe(ExitCode.Ok);
    const json = JSON.parse(h.written['/out.json']!) as {
      length: number;
      indicators: Record<string, (number | null)[]>;
    };
    const candles = loadMarketCandles(MARKET_FILES.ltc1m);
    expect(json.length).toBe(candles.length);
    expect(Object.keys(json.indicators)).toEqual(new IndicatorPlan(EXPORT_INDICATORS).names);
    for (const values of Object.values(json.indicators)) expect(values).toHaveLength(candles.length);
    expect(json.indicators.RSI_14!.slice(0, 14).every((v) => v === null)).toBe(true);
    expect(json.indicators.RSI_14![14]).toEqual(expect.any(Number));
    expect(json.indicators.SMA_20![19]).toBeCloseTo(
      candles.slice(0, 20).reduce((s, c) => s + c.close, 0) / 20,
      9,
    );
  });

  it('prints to stdout without --output and accepts columns in any order', () => {
    const h = harness({
      '/in.csv': 'volume,close,low,high,open,timestamp\n5,10,9,11,10,0\n6,11,10,12,10,60000\n',
    });
    expect(runCli(['indicators', '--input', '/in.csv'], h.io)).toBe(ExitCode.Ok);
    const json = JSON.parse(h.out()) as { length: number; indicators: Record<string, (number | null)[]> };
    expect(json.length).toBe(2);
    expect(json.indicators.OBV).toEqual([5, 11]);
  });

  it.each([
    ['a missing column', 'timestamp,open,high,low,close\n0,1,1,1,1\n', /line 1: missing column\(s\): volume/],
    [
      'a non-numeric cell',
      `${HEADER}\n0,1,1,1,1,1\n60000,1,abc,1,1,1\n`,
      /line 3: high is not a number: "abc"/,
    ],
    ['high below low', `${HEADER}\n0,1,1,2,1,1\n`, /line 2: low must be ≤ min\(open, close\)/],
    [
      'unsorted rows',
      `${HEADER}\n60000,1,1,1,1,1\n0,1,1,1,1,1\n`,
      /line 3: timestamps must increase strictly/,
    ],
    ['a duplicate row', `${HEADER}\n0,1,1,1,1,1\n0,1,1,1,1,1\n`, /line 3: timestamps must increase strictly/],
    ['negative volume', `${HEADER}\n0,1,1,1,1,-1\n`, /line 2: volume must be ≥ 0/],
    ['a close outside the range', `${HEADER}\n0,1,2,1,3,1\n`, /line 2: high must be ≥ max\(open, close\)/],
    ['no data rows', `${HEADER}\n`, /no candles after the header/],
  ])('exits 2 naming the line for %s', (_case, csv, message) => {
    const h = harness({ '/bad.csv': csv });
    expect(runCli(['indicators', '--input', '/bad.csv'], h.io)).toBe(ExitCode.BadInput);
    expect(h.err()).toMatch(message);
    expect(h.out()).toBe('');
  });

  it('exits 2 with usage for an unknown command, a missing --input or an unreadable file', () => {
    for (const argv of [
      ['frobnicate'],
      ['indicators'],
      ['indicators', '--input'],
      ['indicators', '--input', '/nope.csv'],
    ]) {
      const h = harness();
      expect(runCli(argv, h.io)).toBe(ExitCode.BadInput);
      expect(h.err()).not.toBe('');
    }
  });
});

describe('cli score', () => {
  it('prints the confluence result of the last candle as JSON', () => {
    const h = harness();
    const input = marketDataPath(MARKET_FILES.btc5m);
    expect(runCli(['score', '--input', input, '--timeframe', '5m', '--symbol', 'BTC/USDT'], h.io)).toBe(
      ExitCode.Ok,
    );
    const result = JSON.parse(h.out()) as {
      score: number;
      label: string;
      candleTime: string;
      replay: { inputHash: string };
    };
    expect(result.score).toBeGreaterThanOrEqual(0);
    expect(result.score).toBeLessThanOrEqual(100);
    expect(['LONG', 'NEUTRAL', 'SHORT']).toContain(result.label);
    expect(result.candleTime).toBe('2021-02-25T23:55:00.000Z');
    expect(result.replay.inputHash).toMatch(/^[0-9a-f]{64}$/);
    // Same file, same answer.
    const again = harness();
    runCli(['score', '--input', input, '--timeframe', '5m', '--symbol', 'BTC/USDT'], again.io);
    expect(again.out()).toBe(h.out());
  });

  it('exits 2 when the file is too short to score, misaligned, or the timeframe unknown', () => {
    const short = harness({ '/short.csv': `${HEADER}\n0,1,1,1,1,1\n60000,1,1,1,1,1\n` });
    expect(runCli(['score', '--input', '/short.csv'], short.io)).toBe(ExitCode.BadInput);
    expect(short.err()).toMatch(/needs at least \d+ to score/);
    const misaligned = harness({ '/m.csv': `${HEADER}\n1,1,1,1,1,1\n` });
    expect(runCli(['score', '--input', '/m.csv'], misaligned.io)).toBe(ExitCode.BadInput);
    expect(misaligned.err()).toMatch(/timestamp must be a 1m candle open time/);
    const unknown = harness();
    expect(
      runCli(['score', '--input', marketDataPath(MARKET_FILES.btc5m), '--timeframe', '7m'], unknown.io),
    ).toBe(ExitCode.BadInput);
    expect(unknown.err()).toMatch(/not a known timeframe/);
  });
});

describe('cli api-key', () => {
  it('prints a new random key and the API_KEY_HASHES entry holding its SHA-256', () => {
    const first = harness();
    const second = harness();

    expect(runCli(['api-key', '--name', 'bot-1'], first.io)).toBe(ExitCode.Ok);
    expect(runCli(['api-key', '--name', 'bot-1'], second.io)).toBe(ExitCode.Ok);
    const [, key = '', name = '', hash = ''] =
      /^key: ([A-Za-z0-9_-]{43})\nAPI_KEY_HASHES entry: ([^:]+):([0-9a-f]{64})\n$/.exec(first.out()) ?? [];
    expect(name).toBe('bot-1');
    expect(hash).toBe(createHash('sha256').update(key).digest('hex'));
    expect(second.out()).not.toContain(key);
  });

  it('exits 2 without a valid --name', () => {
    for (const argv of [['api-key'], ['api-key', '--name', 'has space'], ['api-key', '--name', 'a:b']]) {
      const h = harness();
      expect(runCli(argv, h.io)).toBe(ExitCode.BadInput);
      expect(h.err()).toContain('usage');
    }
  });
});
