import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import { Processes, requireBuilt } from './process-kit.js';

/**
 * The shared LLM limiter across two real processes (test/llm-limiter-child.js on the built
 * limiter): every slot either of them was given, merged, is at least the spacing after the one
 * before. This checks the limiter's decisions (slots on Redis' clock), not when requests ran.
 * Needs `npm run build`.
 */

const CHILD = 'test/llm-limiter-child.js';
const REDIS_URL = 'redis://127.0.0.1:6379';
const PERMITS = 8;
const SPACING_MS = 40;

const processes = new Processes();
const admin = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
const prefix = `test-llm-limiter-e2e-${randomUUID()}`;

beforeAll(() => {
  requireBuilt(['dist/libs/llm/src/limits/redis-rate-limiter.js']);
});

afterAll(async () => {
  await processes.killAll();
  const keys = await admin.keys(`${prefix}:*`);
  if (keys.length > 0) await admin.del(...keys);
  await admin.quit();
});

/** The slots a child printed, one JSON line each. */
function slotsOf(stdout: string): number[] {
  return stdout
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => (JSON.parse(line) as { slotAt: number }).slotAt);
}

describe('the Redis LLM limiter across processes', () => {
  it('spaces the slots of two processes as one sequence', async () => {
    const args = [prefix, String(PERMITS), String(SPACING_MS), '2'];
    const children = [0, 1].map(() => processes.node(CHILD, { REDIS_URL }, args));
    await Promise.all(children.map((child) => child.waitFor(/ready/)));
    await admin.rpush(`${prefix}:go`, 'go', 'go');
    const exits = await Promise.all(children.map((child) => child.exited));
    for (const [i, exit] of exits.entries())
      expect({ exit, stderr: children[i]?.stderr }).toEqual({ exit: { code: 0, signal: null }, stderr: '' });

    const perChild = children.map((child) => slotsOf(child.stdout));
    expect(perChild.map((slots) => slots.length)).toEqual([PERMITS, PERMITS]);
    const merged = perChild.flat().sort((a, b) => a - b);
    const gaps = merged.slice(1).map((slot, i) => slot - (merged[i] as number));
    expect(gaps.filter((gap) => gap < SPACING_MS)).toEqual([]);
    expect(merged).toHaveLength(2 * PERMITS);
  });
});
