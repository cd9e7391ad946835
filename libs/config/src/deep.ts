import { type PathSegment } from './config.types.js';

export type PlainObject = Record<string, unknown>;

export function isPlainObject(value: unknown): value is PlainObject {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * Merges `overlay` over `base`: mappings merge key by key, anything else (arrays included)
 * replaces. A mapping whose path matches one of `replace` (dotted, `*` for any one key) is
 * replaced whole: a set of weights is one unit, and merging two sets would mix them.
 * Neither input is modified.
 */
export function deepMerge(
  base: unknown,
  overlay: unknown,
  replace: readonly string[] = [],
  path: readonly string[] = [],
): unknown {
  if (overlay === undefined) return base;
  if (!isPlainObject(base) || !isPlainObject(overlay)) return overlay;
  if (path.length > 0 && replace.some((pattern) => matchesPath(pattern, path))) return overlay;
  const merged: PlainObject = { ...base };
  for (const [key, value] of Object.entries(overlay)) {
    merged[key] = deepMerge(base[key], value, replace, [...path, key]);
  }
  return merged;
}

function matchesPath(pattern: string, path: readonly string[]): boolean {
  const parts = pattern.split('.');
  return parts.length === path.length && parts.every((part, index) => part === '*' || part === path[index]);
}

export function getIn(value: unknown, path: readonly PathSegment[]): unknown {
  let current = value;
  for (const segment of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as PlainObject)[String(segment)];
  }
  return current;
}

/** Freezes an object graph in place, so a config value handed out by DI cannot be changed. */
export function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
