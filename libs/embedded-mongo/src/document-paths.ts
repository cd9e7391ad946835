import { isDocument, type BsonDocument } from './bson-values.js';

const DIGITS = /^\d+$/;

/**
 * Every value a dotted path reaches, descending through arrays of sub-documents as MongoDB does
 * (`a.b` on `{ a: [{ b: 1 }, { b: 2 }] }` reaches 1 and 2). A path that reaches nothing yields [].
 */
export function valuesAtPath(document: unknown, path: string): unknown[] {
  const found: unknown[] = [];
  collect(document, path.split('.'), 0, found);
  return found;
}

function collect(value: unknown, parts: readonly string[], depth: number, found: unknown[]): void {
  if (depth === parts.length) {
    found.push(value);
    return;
  }
  const part = parts[depth] as string;
  if (Array.isArray(value)) {
    if (DIGITS.test(part)) {
      const element: unknown = value[Number(part)];
      if (element !== undefined) collect(element, parts, depth + 1, found);
    }
    for (const element of value) {
      if (isDocument(element)) collect(element, parts, depth, found);
    }
    return;
  }
  if (isDocument(value) && Object.hasOwn(value, part)) collect(value[part], parts, depth + 1, found);
}

/**
 * The keys an index on `path` holds for a document: array values contribute their elements
 * (multikey), an empty array one `undefined` key, a missing field one `null` key.
 */
export function indexKeysAtPath(document: BsonDocument, path: string): unknown[] {
  const keys: unknown[] = [];
  for (const value of valuesAtPath(document, path)) {
    if (Array.isArray(value)) {
      if (value.length === 0) keys.push(undefined);
      else keys.push(...(value as unknown[]));
    } else {
      keys.push(value);
    }
  }
  return keys.length === 0 ? [null] : keys;
}

/** Sets a dotted path, creating intermediate documents (used to seed upserts from a filter). */
export function setPath(document: BsonDocument, path: string, value: unknown): void {
  const parts = path.split('.');
  let target: BsonDocument = document;
  for (const part of parts.slice(0, -1)) {
    const next = target[part];
    if (isDocument(next)) {
      target = next;
    } else {
      const created: BsonDocument = {};
      target[part] = created;
      target = created;
    }
  }
  target[parts[parts.length - 1] as string] = value;
}

/** The value at a plain dotted path (no array traversal), or undefined. */
export function getPath(document: BsonDocument, path: string): unknown {
  let current: unknown = document;
  for (const part of path.split('.')) {
    if (isDocument(current)) current = current[part];
    else if (Array.isArray(current) && DIGITS.test(part)) current = current[Number(part)];
    else return undefined;
  }
  return current;
}
