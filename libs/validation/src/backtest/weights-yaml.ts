import type { ConfigShape, WeightsConfig } from '@app/config';
import { COMPONENT_NAMES, COMPONENT_SUBSCORES } from '@app/contracts';
import type { ScoringWeights } from './weighted-score.js';

/** Decimals a candidate's weights are written with. */
const DECIMALS = 4;

/**
 * Rounds each weight to DECIMALS and puts the rounding remainder on the largest, so the written set
 * sums to 1 as weights.yaml's validation demands (±1e-6), in `keys` order.
 */
export function roundWeights(
  weights: Readonly<Record<string, number>>,
  keys: readonly string[],
): Record<string, number> {
  const scale = 10 ** DECIMALS;
  const units = keys.map((key) => Math.round((weights[key] ?? 0) * scale));
  const largest = units.reduce((best, u, i) => (u > (units[best] ?? 0) ? i : best), 0);
  units[largest] = (units[largest] ?? 0) + scale - units.reduce((sum, u) => sum + u, 0);
  return Object.fromEntries(keys.map((key, i) => [key, (units[i] ?? 0) / scale]));
}

/** A weights file holds numbers (and maps of them) only. */
type YamlValue = number | Readonly<Record<string, unknown>> | undefined;

/** A YAML key: plain when it is a word, double-quoted (JSON is valid YAML) otherwise. */
const key = (name: string): string => (/^[A-Za-z0-9_]+$/.test(name) ? name : JSON.stringify(name));

function block(record: Readonly<Record<string, unknown>>, indent: string): string[] {
  return Object.entries(record as Readonly<Record<string, YamlValue>>).flatMap(([name, value]) =>
    value === undefined
      ? []
      : typeof value === 'number'
        ? [`${indent}${key(name)}: ${value}`]
        : [`${indent}${key(name)}:`, ...block(value, `${indent}  `)],
  );
}

/**
 * A weights.yaml with the candidate's component and sub-score weights and the live file's
 * timeframes, thresholds and overrides, in the live file's layout; `header` lines become comments.
 */
export function renderWeightsYaml(
  candidate: ScoringWeights,
  live: ConfigShape<WeightsConfig>,
  header: readonly string[],
): string {
  const subscores = Object.fromEntries(
    COMPONENT_NAMES.map((c) => [c, roundWeights(candidate.subscores[c], COMPONENT_SUBSCORES[c])]),
  );
  const lines = [
    ...header.map((line) => `# ${line}`.trimEnd()),
    '',
    '# Component weights.',
    'components:',
    ...block(roundWeights(candidate.components, COMPONENT_NAMES), '  '),
    '',
    '# Sub-score weights inside each component.',
    'subscores:',
    ...block(subscores, '  '),
    '',
    '# Multi-timeframe weights, thresholds and overrides: as in the live weights.yaml.',
    'timeframes:',
    ...block(live.timeframes, '  '),
    '',
    'thresholds:',
    ...block(live.thresholds, '  '),
    '',
    Object.keys(live.overrides).length === 0 ? 'overrides: {}' : 'overrides:',
    ...block(live.overrides, '  '),
  ];
  return `${lines.join('\n')}\n`;
}
