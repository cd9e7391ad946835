import { COMPONENT_NAMES, type ComponentName, Signal, type Timeframe, TIMEFRAMES } from '@app/contracts';
import type { ComponentScore, TimeframeScore, WeightedSubScore } from '../scoring/score.types.js';
import {
  ENGINE_SNAPSHOT_FORMAT,
  ENGINE_SNAPSHOT_VERSION,
  type EngineSnapshotState,
  type SavedLatestScore,
  type SnapshotLimits,
} from './engine-snapshot.types.js';
import {
  present,
  arrayOf,
  bool,
  check,
  count,
  type Decoder,
  nullable,
  num,
  object,
  oneOf,
  recordOf,
  str,
} from './state-codec.js';

const TIMEFRAME: Decoder<Timeframe> = oneOf(...TIMEFRAMES);

const SUB_SCORE = object<WeightedSubScore>({
  name: str,
  score: num,
  value: num,
  inputs: recordOf(nullable(num)),
  weight: num,
  effectiveWeight: num,
});

const COMPONENT_SCORE = object<ComponentScore>({
  component: oneOf<ComponentName>(...COMPONENT_NAMES),
  available: bool,
  score: nullable(num),
  weight: num,
  effectiveWeight: num,
  coverage: num,
  subScores: arrayOf(SUB_SCORE),
  missing: recordOf(str),
});

const TIMEFRAME_SCORE = object<TimeframeScore>({
  timeframe: TIMEFRAME,
  score: num,
  label: oneOf(...Object.values(Signal)),
  confidence: num,
  coverage: num,
  staleness: num,
  candleTime: count,
  components: arrayOf(COMPONENT_SCORE),
});

/** A latest score as the engine saved it; its timeframe must be the score's own. */
export const LATEST_SCORE: Decoder<SavedLatestScore> = (value, path) => {
  const latest = object<SavedLatestScore>({
    timeframe: TIMEFRAME,
    score: TIMEFRAME_SCORE,
    digests: recordOf(str),
    indicators: recordOf(nullable(num)),
  })(value, path);
  const own = latest.score.timeframe;
  check(own === latest.timeframe, `${path}.score.timeframe`, `${own} ≠ ${latest.timeframe}`);
  return latest;
};

/** What decides whether a snapshot may be restored here, read before the rest. */
export interface SnapshotHeader {
  readonly format: string;
  readonly version: number;
  readonly engineVersion: string;
  readonly configHash: string;
  readonly exchange: string;
  readonly symbol: string;
  readonly limits: SnapshotLimits;
}

/** The header, ignoring the rest; format and version first, so a newer format is named, not picked apart. */
export function readHeader(value: unknown): SnapshotHeader {
  object<{ format: string; version: number }>({ format: str, version: count }, { rest: 'keep' })(
    value,
    'snapshot',
  );
  return object<SnapshotHeader>(
    {
      format: str,
      version: count,
      engineVersion: str,
      configHash: str,
      exchange: str,
      symbol: str,
      limits: object<SnapshotLimits>({ windowSize: count, maxTrades: count, maxDerivatives: count }),
    },
    { rest: 'keep' },
  )(value, 'snapshot');
}

/** Why a snapshot with this header cannot be restored into an engine expecting `expected`, or null. */
export function headerMismatch(header: SnapshotHeader, expected: SnapshotHeader): string | null {
  if (header.format !== expected.format)
    return `not an engine snapshot (format ${JSON.stringify(header.format)})`;
  if (header.version !== expected.version) return `snapshot format ${header.version} ≠ ${expected.version}`;
  if (header.engineVersion !== expected.engineVersion)
    return `engine ${header.engineVersion} ≠ ${expected.engineVersion}`;
  if (header.configHash !== expected.configHash)
    return `config hash ${header.configHash.slice(0, 12)}… ≠ ${expected.configHash.slice(0, 12)}… (weights or indicator parameters differ)`;
  for (const key of ['windowSize', 'maxTrades', 'maxDerivatives'] as const) {
    if (header.limits[key] !== expected.limits[key])
      return `orchestrator ${key} ${header.limits[key]} ≠ ${expected.limits[key]}`;
  }
  return null;
}

/** The whole snapshot, strictly: no field missing, none unknown. */
export const SNAPSHOT = object<Omit<EngineSnapshotState, 'market'> & { market: unknown }>({
  format: oneOf(ENGINE_SNAPSHOT_FORMAT),
  version: oneOf(ENGINE_SNAPSHOT_VERSION),
  engineVersion: str,
  configHash: str,
  exchange: str,
  symbol: str,
  limits: object<SnapshotLimits>({ windowSize: count, maxTrades: count, maxDerivatives: count }),
  market: present,
  latest: (value, path) => {
    const latest = arrayOf(LATEST_SCORE)(value, path);
    latest.forEach((entry, i) => {
      check(
        latest.findIndex((other) => other.timeframe === entry.timeframe) === i,
        `${path}[${i}]`,
        `${entry.timeframe} appears twice`,
      );
    });
    return latest;
  },
});
