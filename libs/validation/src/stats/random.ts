/** A source of uniform numbers in [0, 1). */
export type Rng = () => number;

/**
 * A deterministic generator (mulberry32): the same seed gives the same draws on every run and
 * machine, so a reported interval can be reproduced exactly.
 */
export function seededRng(seed: number): Rng {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A uniform integer in [low, high]. */
export function randomInt(rng: Rng, low: number, high: number): number {
  return low + Math.floor(rng() * (high - low + 1));
}
