import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from '@jest/globals';
import { CANDIDATE_WEIGHTS_FILE, ConfigValidationError, loadConfig } from '@app/config';
import { WeightManager } from '@app/confluence';
import { COMPONENT_NAMES, COMPONENT_SUBSCORES } from '@app/contracts';
import { createConfigFixture, PROJECT_CONFIG_DIR } from '@app/testing';
import { renderWeightsYaml, roundWeights } from './weights-yaml.js';
import type { ScoringWeights } from './weighted-score.js';

const env = { NODE_ENV: 'test', CONFIG_DIR: PROJECT_CONFIG_DIR };
const live = loadConfig({ env });
const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

function tempFile(name: string, text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'weights-'));
  cleanups.push(() => {
    rmSync(dir, { recursive: true, force: true });
  });
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

/** Sixths: weights whose rounded values alone would sum to 1.0001. */
const awkward: ScoringWeights = {
  components: {
    orderFlow: 1 / 2,
    orderBook: 1 / 6,
    volume: 1 / 6,
    priceStructure: 1 / 6,
    technical: 0,
    sentiment: 0,
  },
  subscores: Object.fromEntries(
    COMPONENT_NAMES.map((c) => [
      c,
      Object.fromEntries(
        COMPONENT_SUBSCORES[c].map((s, i, all) => [s, (i + 1) / ((all.length * (all.length + 1)) / 2)]),
      ),
    ]),
  ) as ScoringWeights['subscores'],
};

describe('renderWeightsYaml', () => {
  it('rounds a set to 4 decimals that sum to exactly 1, the remainder on the largest', () => {
    const rounded = roundWeights(awkward.components, COMPONENT_NAMES);
    expect(rounded).toEqual({
      orderFlow: 0.4999,
      orderBook: 0.1667,
      volume: 0.1667,
      priceStructure: 0.1667,
      technical: 0,
      sentiment: 0,
    });
    expect(Math.abs(Object.values(rounded).reduce((s, w) => s + w, 0) - 1)).toBeLessThan(1e-9);
  });

  it("writes a file that loads through the project's weights validation, with the live timeframes, thresholds and overrides", () => {
    const path = tempFile(
      'candidate.yaml',
      renderWeightsYaml(awkward, live.weights, ['a candidate', 'for a test']),
    );
    const loaded = loadConfig({ env, weightsFile: path });
    expect(loaded.weights.components).toEqual(roundWeights(awkward.components, COMPONENT_NAMES));
    for (const c of COMPONENT_NAMES)
      expect(loaded.weights.subscores[c]).toEqual(roundWeights(awkward.subscores[c], COMPONENT_SUBSCORES[c]));
    expect(loaded.weights.timeframes).toEqual(live.weights.timeframes);
    expect(loaded.weights.thresholds).toEqual(live.weights.thresholds);
    expect(loaded.weights.overrides).toEqual(live.weights.overrides);
    expect(new WeightManager(loaded.weights).forSymbol('LTC/USDT').thresholds).toEqual({
      short: 35,
      long: 65,
    });
  });

  it('round-trips the live weights unchanged', () => {
    const path = tempFile(
      'same.yaml',
      renderWeightsYaml(new WeightManager(live.weights).forSymbol(undefined), live.weights, []),
    );
    expect(loadConfig({ env, weightsFile: path }).weights).toEqual(live.weights);
  });
});

describe('loadConfig with a candidate beside the live weights', () => {
  it('boots with weights.candidate.yaml in the config directory, and does not load it', () => {
    const fixture = createConfigFixture({ [CANDIDATE_WEIGHTS_FILE]: 'components: { orderFlow: 2 }\n' });
    cleanups.push(() => {
      fixture.cleanup();
    });
    expect(loadConfig({ env: { NODE_ENV: 'test', CONFIG_DIR: fixture.dir } }).weights).toEqual(live.weights);
  });

  it('names the replacement file in the problems it finds there', () => {
    const path = tempFile(
      'mine.yaml',
      renderWeightsYaml(awkward, live.weights, []).replace('  sentiment: 0\n', '  sentiment: 0.5\n'),
    );
    let error: unknown;
    try {
      loadConfig({ env, weightsFile: path });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigValidationError);
    expect((error as ConfigValidationError).issues).toEqual([
      expect.objectContaining({
        file: 'mine.yaml',
        path: 'components',
        message: expect.stringMatching(/must sum to 1 .*got 1\.5$/),
      }),
    ]);
  });
});
