import type { ConfigShape, ValidationConfig } from '@app/config';
import {
  errorMessage,
  InputError,
  type LogSink,
  MAX_TIME_MS,
  type StreamRef,
  streamRoom,
  type Timeframe,
  type ValidationSample,
} from '@app/contracts';
import type { ValidationSampleRepository } from '@app/persistence';
import {
  calibrateProbability,
  type CalibrationReport,
  candleOpenAfter,
  type HorizonPerformance,
  horizonPerformanceSteps,
  joinedForwardReturns,
  type ProbabilityMaps,
  spearman,
} from '@app/validation';
import { completeInSlices, RecentAnswers, samplesDigest } from './performance-answers.js';

const DAY_MS = 86_400_000;

/** Answers kept for repeated asks (a dashboard polling): each holds a report per horizon. */
const KEPT_ANSWERS = 32;

export interface PerformanceRequest {
  readonly exchange: string;
  readonly symbol: string;
  readonly timeframe?: Timeframe | undefined;
  /** One horizon (candles); every configured one when absent. */
  readonly horizon?: number | undefined;
  /** Inclusive bounds on the sampled candles' open time (ms). */
  readonly from?: number | undefined;
  readonly to?: number | undefined;
}

/** Which samples an answer is about. */
export interface PerformanceWindow {
  /** The bounds used: as asked, else `to` = the newest sample and `from` = `to` − window.days. */
  readonly from: number | null;
  readonly to: number | null;
  /** Open times of the first and last sample used; null when there is none. */
  readonly firstCandle: number | null;
  readonly lastCandle: number | null;
  readonly samples: number;
  /** More samples than window.maxSamples were in range: only the newest were used. */
  readonly truncated: boolean;
}

export interface PerformanceReport extends StreamRef {
  readonly window: PerformanceWindow;
  readonly minIndependent: number;
  readonly horizons: readonly HorizonPerformance[];
}

/** Where the rolling IC of each stream and horizon goes (the gateway's Prometheus gauges). */
export interface ScoreIcGauges {
  /** `ic` is null below the sufficiency floor; `samples` counts the usable pairs either way. */
  scoreIcMeasured(stream: StreamRef, horizon: number, ic: number | null, samples: number): void;
}

export interface ForwardValidationDeps {
  readonly samples: Pick<ValidationSampleRepository, 'range' | 'newest'>;
  /** The streams whose gauges and probability maps are kept (the tracked ones). */
  readonly streams: () => readonly StreamRef[];
  /** A request's stream, or the NotFoundError of an unknown market (ResultQueries.stream). */
  readonly resolve: (exchange: string, symbol: string, timeframe?: Timeframe) => Promise<StreamRef>;
  readonly gauges: ScoreIcGauges;
  readonly maps: ProbabilityMaps;
  readonly logger: Pick<LogSink, 'warn'>;
}

/**
 * Forward validation at the edge (ADR 0019): GET /v1/performance from a window of a stream's
 * samples, and, on the gateway's intervals, the rolling-IC gauges and the probability maps of the
 * tracked streams. Forward returns are joined from the samples' closes here, never stored.
 */
export class ForwardValidation {
  readonly #answers = new RecentAnswers<HorizonPerformance[]>(KEPT_ANSWERS);

  constructor(
    private readonly settings: ConfigShape<ValidationConfig>,
    private readonly deps: ForwardValidationDeps,
  ) {}

  async performance(request: PerformanceRequest): Promise<PerformanceReport> {
    const { from, to } = request;
    if (from !== undefined && to !== undefined && from > to)
      throw new InputError([{ field: 'from', message: 'must be ≤ to' }], 'invalid input: from');
    const stream = await this.deps.resolve(request.exchange, request.symbol, request.timeframe);
    const horizons = request.horizon === undefined ? this.settings.horizons : [request.horizon];
    const end = to ?? (await this.deps.samples.newest(stream));
    const start = from ?? (end === null ? null : Math.max(0, end - this.settings.window.days * DAY_MS));
    const { rows, joined, forwardOf, truncated } =
      start === null || end === null || start > end
        ? { rows: [], joined: [], forwardOf: () => new Float64Array(0), truncated: false }
        : await this.#window(stream, start, end, Math.max(...horizons));
    const { minIndependent, resamples, probability } = this.settings;
    // The same samples give the same figures (seeded resampling): a repeated ask reuses them.
    const key = `${streamRoom(stream)} ${horizons.join(',')} ${rows.length} ${samplesDigest(joined)}`;
    const reports = await this.#answers.get(key, async () => {
      const out: HorizonPerformance[] = [];
      for (const horizon of horizons)
        out.push(
          await completeInSlices(
            horizonPerformanceSteps(rows, forwardOf(horizon), {
              horizon,
              minIndependent,
              resamples,
              folds: probability.folds,
            }),
          ),
        );
      return out;
    });
    return {
      exchange: stream.exchange,
      symbol: stream.symbol,
      timeframe: stream.timeframe,
      window: {
        from: start,
        to: end,
        firstCandle: rows[0]?.candleTime ?? null,
        lastCandle: rows.at(-1)?.candleTime ?? null,
        samples: rows.length,
        truncated,
      },
      minIndependent,
      horizons: reports,
    };
  }

  /**
   * The newest window.maxSamples samples in [start, end] and their forward returns: the samples up
   * to `reach` candles after `end` are read too, since a return of the window ends there.
   */
  async #window(
    stream: StreamRef,
    start: number,
    end: number,
    reach: number,
  ): Promise<{
    rows: ValidationSample[];
    /** `rows` and the samples after them their returns are joined with. */
    joined: ValidationSample[];
    forwardOf: (horizon: number) => Float64Array;
    truncated: boolean;
  }> {
    const max = this.settings.window.maxSamples;
    const until = Math.min(MAX_TIME_MS, candleOpenAfter(end, stream.timeframe, reach));
    // At most `reach` samples follow `end`; one more than the window tells whether it was cut.
    const read = await this.deps.samples.range(stream, start, until, max + reach + 1);
    const inRange = read.filter((sample) => sample.candleTime <= end).length;
    const first = Math.max(0, inRange - max);
    const joined = read.slice(first);
    return {
      rows: joined.slice(0, inRange - first),
      joined,
      forwardOf: (horizon) =>
        joinedForwardReturns(joined, stream.timeframe, horizon).subarray(0, inRange - first),
      truncated: inRange > max,
    };
  }

  /** Recomputes every tracked stream's rolling IC per horizon (the gauges), one stream at a time. */
  async refreshGauges(): Promise<void> {
    const { horizons, minIndependent } = this.settings;
    await this.#eachStream('rolling IC', (stream, rows) => {
      const scores = rows.map((row) => row.score);
      for (const horizon of horizons) {
        const forward = joinedForwardReturns(rows, stream.timeframe, horizon);
        let usable = 0;
        for (const value of forward) if (Number.isFinite(value)) usable++;
        const ic = Math.floor(usable / horizon) >= minIndependent ? spearman(scores, forward) : Number.NaN;
        this.deps.gauges.scoreIcMeasured(stream, horizon, Number.isFinite(ic) ? ic : null, usable);
      }
    });
  }

  /** Refits every tracked stream's score → P(up) map per horizon, walk-forward. */
  async refitProbabilities(): Promise<void> {
    const { horizons, minIndependent, probability } = this.settings;
    await this.#eachStream('probability maps', (stream, rows) => {
      const scores = rows.map((row) => row.score);
      const reports = new Map<number, CalibrationReport>();
      for (const horizon of horizons)
        reports.set(
          horizon,
          calibrateProbability(scores, joinedForwardReturns(rows, stream.timeframe, horizon), {
            horizon,
            minIndependent,
            folds: probability.folds,
          }),
        );
      this.deps.maps.update(stream, reports);
    });
  }

  /** Each tracked stream's rolling window (window.days back from its newest sample); a failed read is logged, the rest go on. */
  async #eachStream(
    what: string,
    use: (stream: StreamRef, rows: readonly ValidationSample[]) => void,
  ): Promise<void> {
    const { days, maxSamples } = this.settings.window;
    for (const stream of this.deps.streams()) {
      try {
        const newest = await this.deps.samples.newest(stream);
        if (newest === null) continue;
        const from = Math.max(0, newest - days * DAY_MS);
        use(stream, await this.deps.samples.range(stream, from, newest, maxSamples));
      } catch (error) {
        this.deps.logger.warn(`${what} of ${streamRoom(stream)} not updated: ${errorMessage(error)}`);
      }
    }
  }
}
