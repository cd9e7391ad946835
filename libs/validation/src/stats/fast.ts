/**
 * Built-ins bound once for the per-row loops: in a vm context (Jest runs every suite in one) each
 * global lookup goes through the context's interceptors, ~50× slower per call; under plain Node
 * binding them changes nothing (the engine does the same, libs/confluence fast-math.ts).
 */
export const { abs, ceil, cbrt, floor, log, max, min, sqrt } = Math;
export const finite = Number.isFinite;
export const NAN = Number.NaN;
