import { type HorizonProbability, type ResultProbability, type StreamRef, streamRoom } from '@app/contracts';
import type { CalibrationReport, ProbabilityMap } from '../stats/calibration.js';

type Fit =
  | { readonly map: ProbabilityMap; readonly n: number; readonly brier: number; readonly brierBase: number }
  | { readonly map: null; readonly n: number };

/**
 * The fitted maps of each stream and horizon, refitted on an interval (not per result) and read at
 * the edge when a result is shown. `version` changes with every refit, so a rendering cached
 * before it is known to be stale.
 */
export class ProbabilityMaps {
  readonly #streams = new Map<string, ReadonlyMap<number, Fit>>();
  #version = 0;

  get version(): number {
    return this.#version;
  }

  /** Replaces a stream's maps with fresh fits, one per horizon. */
  update(stream: StreamRef, reports: ReadonlyMap<number, CalibrationReport>): void {
    const fits = new Map<number, Fit>();
    for (const [horizon, report] of reports) {
      const tested = report.sufficient ? report.outOfSample : null;
      fits.set(
        horizon,
        tested === null
          ? { map: null, n: report.n }
          : { map: report.map, n: report.n, brier: tested.brier, brierBase: tested.brierBase },
      );
    }
    this.#streams.set(streamRoom(stream), fits);
    this.#version++;
  }

  /** P(up) per horizon (keyed by the horizon in candles) for a score of the stream; null before its first fit. */
  probabilityOf(stream: StreamRef, score: number): ResultProbability | null {
    const fits = this.#streams.get(streamRoom(stream));
    if (fits === undefined) return null;
    const out: Record<string, HorizonProbability> = {};
    for (const [horizon, fit] of fits)
      out[String(horizon)] =
        fit.map === null
          ? { sufficient: false, n: fit.n }
          : {
              sufficient: true,
              up: fit.map.predict(score),
              n: fit.n,
              brier: fit.brier,
              brierBase: fit.brierBase,
            };
    return out;
  }
}
