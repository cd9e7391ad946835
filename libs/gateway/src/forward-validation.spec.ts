import { describe, expect, it, jest } from '@jest/globals';
import type { ConfigShape, ValidationConfig } from '@app/config';
import { InputError, NotFoundError, type StreamRef, type ValidationSample } from '@app/contracts';
import type { ValidationSampleRepository } from '@app/persistence';
import {
  calibrateProbability,
  horizonPerformance,
  joinedForwardReturns,
  ProbabilityMaps,
  seededRng,
  spearman,
} from '@app/validation';
import { ForwardValidation, type ScoreIcGauges } from './forward-validation.js';

const MINUTE = 60_000;
const DAY = 86_400_000;
const T0 = Date.UTC(2021, 1, 19);
const BTC: StreamRef = { exchange: 'binance', symbol: 'BTC/USDT', timeframe: '1m' };
const LTC: StreamRef = { exchange: 'binance', symbol: 'LTC/USDT', timeframe: '1m' };

const SETTINGS = {
  horizons: [1, 4],
  minIndependent: 30,
  resamples: 200,
  window: { days: 1, maxSamples: 5_000 },
  gauges: { refreshSeconds: 60 },
  probability: { refitSeconds: 600, folds: 4 },
} as const satisfies ConfigShape<ValidationConfig>;

/** `n` one-minute samples of a stream from `start`, a random walk with a loosely leading score. */
function samplesOf(stream: StreamRef, n: number, start = T0): ValidationSample[] {
  const rng = seededRng(5);
  let close = 100;
  return Array.from({ length: n }, (_, i) => {
    const score = 100 * rng();
    const sample: ValidationSample = {
      ...stream,
      candleTime: start + i * MINUTE,
      close,
      score,
      label: score > 60 ? 'LONG' : score < 40 ? 'SHORT' : 'NEUTRAL',
      components: { technical: score },
      inputHash: 'a'.repeat(64),
    };
    close *= Math.exp(((score - 50) / 50) * 0.001 + (rng() - 0.5) * 0.002);
    return sample;
  });
}

/** The repository's reads over samples in memory, as the store answers them. */
function memoryStore(all: ValidationSample[]) {
  const of = (m: StreamRef) =>
    all.filter((s) => s.exchange === m.exchange && s.symbol === m.symbol && s.timeframe === m.timeframe);
  return {
    range: jest.fn<ValidationSampleRepository['range']>((market, from, to, limit) =>
      Promise.resolve(
        of(market)
          .filter((s) => s.candleTime >= from && s.candleTime <= to)
          .slice(-limit),
      ),
    ),
    newest: jest.fn<ValidationSampleRepository['newest']>((market) =>
      Promise.resolve(of(market).at(-1)?.candleTime ?? null),
    ),
  };
}

function setUp(all: ValidationSample[], settings: ConfigShape<ValidationConfig> = SETTINGS) {
  const samples = memoryStore(all);
  const gauges = { scoreIcMeasured: jest.fn<ScoreIcGauges['scoreIcMeasured']>() };
  const maps = new ProbabilityMaps();
  const warnings: string[] = [];
  const validation = new ForwardValidation(settings, {
    samples,
    streams: () => [BTC, LTC],
    resolve: (exchange, symbol, timeframe) =>
      symbol.replace('-', '/') === 'BTC/USDT'
        ? Promise.resolve({ exchange, symbol: 'BTC/USDT', timeframe: timeframe ?? '1m' })
        : Promise.reject(new NotFoundError(`unknown market ${exchange} ${symbol}`)),
    gauges,
    maps,
    logger: { warn: (line) => warnings.push(line) },
  });
  return { validation, samples, gauges, maps, warnings };
}

const statsOf = (rows: readonly ValidationSample[], horizon: number, joinedWith = rows) =>
  horizonPerformance(rows, joinedForwardReturns(joinedWith, '1m', horizon).subarray(0, rows.length), {
    horizon,
    minIndependent: 30,
    resamples: 200,
    folds: 4,
  });

describe('ForwardValidation.performance', () => {
  it('defaults to window.days back from the newest sample, every configured horizon', async () => {
    const all = samplesOf(BTC, 2_000);
    const { validation } = setUp(all);
    const newest = all.at(-1)!.candleTime;
    const rows = all.filter((s) => s.candleTime >= newest - DAY);

    const report = await validation.performance({ exchange: 'binance', symbol: 'BTC-USDT' });

    expect(report).toEqual({
      ...BTC,
      window: {
        from: newest - DAY,
        to: newest,
        firstCandle: rows[0]!.candleTime,
        lastCandle: newest,
        samples: 1_441,
        truncated: false,
      },
      minIndependent: 30,
      horizons: [statsOf(rows, 1), statsOf(rows, 4)],
    });
  });

  it('measures the returns of a range that end after it, from the samples that follow `to`', async () => {
    const all = samplesOf(BTC, 600);
    const { validation } = setUp(all);
    const [from, to] = [all[100]!.candleTime, all[299]!.candleTime];

    const report = await validation.performance({
      exchange: 'binance',
      symbol: 'BTC/USDT',
      horizon: 4,
      from,
      to,
    });

    const rows = all.slice(100, 300);
    expect(report.window).toEqual({
      from,
      to,
      firstCandle: from,
      lastCandle: to,
      samples: 200,
      truncated: false,
    });
    expect(report.horizons).toEqual([statsOf(rows, 4, all.slice(100, 304))]);
    // Every row of the range has its return: the last one's ends 4 candles past `to`.
    expect(report.horizons[0]?.n).toBe(200);
  });

  it('uses the newest window.maxSamples of a longer range and says so', async () => {
    const all = samplesOf(BTC, 1_000);
    const { validation } = setUp(all, { ...SETTINGS, window: { days: 1, maxSamples: 300 } });
    const to = all[899]!.candleTime;

    const report = await validation.performance({ exchange: 'binance', symbol: 'BTC/USDT', horizon: 1, to });

    expect(report.window).toEqual({
      from: to - DAY,
      to,
      firstCandle: all[600]!.candleTime,
      lastCandle: to,
      samples: 300,
      truncated: true,
    });
    expect(report.horizons).toEqual([statsOf(all.slice(600, 900), 1, all.slice(600, 901))]);
  });

  it('answers a stream without samples: nothing to measure, every horizon insufficient', async () => {
    const { validation } = setUp([]);

    const report = await validation.performance({ exchange: 'binance', symbol: 'BTC/USDT', timeframe: '1m' });

    expect(report.window).toEqual({
      from: null,
      to: null,
      firstCandle: null,
      lastCandle: null,
      samples: 0,
      truncated: false,
    });
    expect(
      report.horizons.map(({ horizon, n, sufficient, labels }) => ({ horizon, n, sufficient, labels })),
    ).toEqual([
      { horizon: 1, n: 0, sufficient: false, labels: null },
      { horizon: 4, n: 0, sufficient: false, labels: null },
    ]);
  });

  it('refuses from > to naming `from`, before reading anything', async () => {
    const { validation, samples } = setUp(samplesOf(BTC, 10));

    const refused = validation.performance({ exchange: 'binance', symbol: 'BTC/USDT', from: T0 + 1, to: T0 });

    await expect(refused).rejects.toBeInstanceOf(InputError);
    await expect(refused).rejects.toMatchObject({ issues: [{ field: 'from', message: 'must be ≤ to' }] });
    expect(samples.range).not.toHaveBeenCalled();
  });

  it('reuses the figures of the same samples, and computes again when a sample changes', async () => {
    const all = samplesOf(BTC, 600);
    const { validation } = setUp(all);
    const ask = () => validation.performance({ exchange: 'binance', symbol: 'BTC/USDT', horizon: 1 });

    const [first, concurrent] = await Promise.all([ask(), ask()]);
    const again = await ask();
    expect(concurrent.horizons).toBe(first.horizons);
    expect(again.horizons).toBe(first.horizons);

    // An opinion attached to a sample: the same window, other figures.
    all[10] = { ...all[10]!, llm: { label: 'LONG' } };
    const changed = await ask();
    expect(changed.horizons).not.toBe(first.horizons);
    expect(changed.horizons[0]?.opinions?.n).toBe(1);
    expect(first.horizons[0]?.opinions?.n).toBe(0);
  });

  it('passes on the NotFoundError of an unknown market', async () => {
    const { validation } = setUp([]);

    await expect(validation.performance({ exchange: 'binance', symbol: 'DOGE/USDT' })).rejects.toBeInstanceOf(
      NotFoundError,
    );
  });
});

describe('ForwardValidation gauges and probability maps', () => {
  it("sets each tracked stream's rolling IC per horizon, and null below the floor (with the count)", async () => {
    const btc = samplesOf(BTC, 3_000);
    const ltc = samplesOf(LTC, 100);
    const { validation, gauges } = setUp([...btc, ...ltc]);

    await validation.refreshGauges();

    const window = btc.filter((s) => s.candleTime >= btc.at(-1)!.candleTime - DAY);
    const icOf = (horizon: number) =>
      spearman(
        window.map((s) => s.score),
        joinedForwardReturns(window, '1m', horizon),
      );
    expect(gauges.scoreIcMeasured.mock.calls).toEqual([
      [BTC, 1, icOf(1), 1_440],
      [BTC, 4, icOf(4), 1_437],
      // 99 returns: enough at 1 candle, 24 independent at 4 (below 30).
      [LTC, 1, expect.any(Number), 99],
      [LTC, 4, null, 96],
    ]);
    expect(icOf(1)).toBeGreaterThan(0.5);
  });

  it('refits the probability maps of every tracked stream from its window', async () => {
    const btc = samplesOf(BTC, 3_000);
    const { validation, maps } = setUp(btc);

    await validation.refitProbabilities();

    const window = btc.filter((s) => s.candleTime >= btc.at(-1)!.candleTime - DAY);
    const scores = window.map((s) => s.score);
    const fit = calibrateProbability(scores, joinedForwardReturns(window, '1m', 4), {
      horizon: 4,
      minIndependent: 30,
      folds: 4,
    });
    const shown = maps.probabilityOf(BTC, 72);
    expect(shown?.['4']).toEqual({
      sufficient: true,
      up: fit.map.predict(72),
      n: 1_437,
      brier: fit.outOfSample?.brier,
      brierBase: fit.outOfSample?.brierBase,
    });
    expect(Object.keys(shown ?? {})).toEqual(['1', '4']);
    // LTC has no samples: no map, so its results carry no probability.
    expect(maps.probabilityOf(LTC, 72)).toBeNull();
  });

  it('logs a stream whose samples cannot be read and goes on with the others', async () => {
    const { validation, samples, gauges, warnings } = setUp([...samplesOf(BTC, 200), ...samplesOf(LTC, 200)]);
    samples.newest.mockRejectedValueOnce(new Error('store down'));

    await validation.refreshGauges();

    expect(warnings).toEqual(['rolling IC of binance:BTC/USDT:1m not updated: store down']);
    expect(gauges.scoreIcMeasured.mock.calls.map(([stream]) => stream.symbol)).toEqual([
      'LTC/USDT',
      'LTC/USDT',
    ]);
  });
});
