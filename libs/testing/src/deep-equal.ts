import { expect } from '@jest/globals';

/**
 * `expect(actual).toEqual(expected)` for large values (whole analyser outputs, engine states):
 * a strict structural comparison runs first, and Jest's matcher only when it finds a difference,
 * to decide and print the diff. Jest's recursive equality cost 30 % of a suite comparing a few
 * hundred results. Never weaker than toEqual: what the strict check accepts, toEqual accepts
 * (same prototypes, same own keys, leaves equal by Object.is, so −0 is not 0); anything it does
 * not know (errors, symbol keys, object map keys) is left to toEqual.
 */
export function expectDeepEqual(actual: unknown, expected: unknown): void {
  if (strictlyEqual(actual, expected)) return;
  expect(actual).toEqual(expected);
}

/** True only when the two values are equal in every way toEqual looks at, and more. */
export function strictlyEqual(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) return false;
  if (Array.isArray(a)) return sameArray(a, b as unknown[]);
  if (a instanceof Map) return sameMap(a, b as Map<unknown, unknown>);
  if (a instanceof Set) return sameSet(a, b as Set<unknown>);
  if (a instanceof Date) return Object.is(a.getTime(), (b as Date).getTime());
  if (ArrayBuffer.isView(a)) return sameBytes(a, b as ArrayBufferView);
  if (a instanceof Error || a instanceof RegExp) return false;
  if (Object.getOwnPropertySymbols(a).length > 0 || Object.getOwnPropertySymbols(b).length > 0) return false;
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  const left = a as Record<string, unknown>;
  const right = b as Record<string, unknown>;
  for (const key of keys) {
    if (!Object.hasOwn(right, key) || !strictlyEqual(left[key], right[key])) return false;
  }
  return true;
}

function sameArray(a: readonly unknown[], b: readonly unknown[]): boolean {
  if (a.length !== b.length || Object.keys(a).length !== Object.keys(b).length) return false;
  for (let i = 0; i < a.length; i++) if (!strictlyEqual(a[i], b[i])) return false;
  return true;
}

function sameMap(a: Map<unknown, unknown>, b: Map<unknown, unknown>): boolean {
  if (a.size !== b.size) return false;
  for (const [key, value] of a) {
    if (typeof key === 'object' && key !== null) return false;
    if (!b.has(key) || !strictlyEqual(value, b.get(key))) return false;
  }
  return true;
}

function sameSet(a: Set<unknown>, b: Set<unknown>): boolean {
  if (a.size !== b.size) return false;
  for (const value of a) if ((typeof value === 'object' && value !== null) || !b.has(value)) return false;
  return true;
}

function sameBytes(a: ArrayBufferView, b: ArrayBufferView): boolean {
  if (a.byteLength !== b.byteLength) return false;
  const x = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  const y = new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}
