import { afterEach, expect } from '@jest/globals';
import { type ConfigFixture, createConfigFixture } from '@app/testing';
import { ConfigValidationError } from '../config.error.js';
import type { ConfigIssue } from '../config.types.js';
import { loadConfig } from '../load-config.js';

/**
 * Helpers of the load-config-*.spec.ts suites: a throw-away copy of the shipped config directory
 * per test, and the issues loadConfig reports for one.
 */

/** Makes config dirs for the tests of one describe block, each removed after its test. */
export function configDirs(): (setup?: (fx: ConfigFixture) => void) => string {
  const created: ConfigFixture[] = [];
  afterEach(() => {
    for (const fixture of created.splice(0)) fixture.cleanup();
  });
  return (setup = () => undefined) => {
    const fixture = createConfigFixture();
    created.push(fixture);
    setup(fixture);
    return fixture.dir;
  };
}

export function issuesOf(dir: string, env: NodeJS.ProcessEnv = {}): readonly ConfigIssue[] {
  try {
    loadConfig({ env: { CONFIG_DIR: dir, ...env } });
  } catch (error) {
    if (error instanceof ConfigValidationError) return error.issues;
    throw error;
  }
  throw new Error('expected the configuration to be rejected');
}

/** One bad value in an otherwise valid config, and the issue it must raise. */
export interface BadCase {
  readonly name: string;
  readonly setup: (fx: ConfigFixture) => void;
  readonly file: string;
  readonly path: string;
  readonly message: RegExp;
}

/** The bad value is reported against its file and dotted path, with its message. */
export function expectBadValueReported(
  issues: readonly ConfigIssue[],
  { file, path, message }: BadCase,
): void {
  const match = issues.find((issue) => issue.file === file && issue.path === path);

  expect(match).toBeDefined();
  expect(match?.message).toMatch(message);
}
