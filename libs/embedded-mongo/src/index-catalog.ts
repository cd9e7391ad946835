import {
  canonicalKey,
  describeType,
  formatDocument,
  isDocument,
  toNumber,
  type BsonDocument,
} from './bson-values.js';
import { indexKeysAtPath, valuesAtPath } from './document-paths.js';
import { CommandError, DuplicateKeyError } from './errors.js';
import { DocumentFilter } from './query-engine.js';

export interface IndexSpec {
  readonly name: string;
  readonly key: BsonDocument;
  readonly unique?: boolean;
  readonly sparse?: boolean;
  readonly expireAfterSeconds?: number;
  readonly partialFilterExpression?: BsonDocument;
}

/** The implicit unique index every collection has; it can be neither created differently nor dropped. */
export const ID_INDEX: IndexSpec = Object.freeze({ name: '_id_', key: Object.freeze({ _id: 1 }) });

/** Index key types accepted as metadata only (they do not change how queries run here). */
const SPECIAL_INDEX_TYPES: readonly string[] = ['text', '2d', '2dsphere', 'hashed', 'geoHaystack'];

/** MongoDB's generated index name: `{ a: 1, b: -1 }` → `a_1_b_-1`. */
export function defaultIndexName(key: BsonDocument): string {
  return Object.entries(key)
    .map(([field, direction]) => `${field}_${String(toNumber(direction) ?? direction)}`)
    .join('_');
}

export function parseIndexSpec(raw: unknown): IndexSpec {
  if (!isDocument(raw))
    throw new CommandError('TypeMismatch', `Index spec must be an object, got ${describeType(raw)}`);
  const { key: rawKey, name, unique, sparse, expireAfterSeconds, partialFilterExpression } = raw;
  if (!isDocument(rawKey) || Object.keys(rawKey).length === 0) {
    throw new CommandError('CannotCreateIndex', "The 'key' field must be a non-empty object");
  }
  const key: BsonDocument = {};
  for (const [field, direction] of Object.entries(rawKey)) {
    const numeric = toNumber(direction);
    if (numeric !== undefined && numeric !== 0 && !Number.isNaN(numeric)) key[field] = numeric;
    else if (typeof direction === 'string' && SPECIAL_INDEX_TYPES.includes(direction)) key[field] = direction;
    else {
      throw new CommandError(
        'CannotCreateIndex',
        `Values in the index key pattern can only be non-zero numbers or index type strings; got ${field}: ${String(direction)}`,
      );
    }
  }
  if (name !== undefined && (typeof name !== 'string' || name.length === 0)) {
    throw new CommandError(
      'TypeMismatch',
      `The index name must be a non-empty string, got ${describeType(name)}`,
    );
  }
  const spec: {
    name: string;
    key: BsonDocument;
    unique?: boolean;
    sparse?: boolean;
    expireAfterSeconds?: number;
    partialFilterExpression?: BsonDocument;
  } = { name: name ?? defaultIndexName(key), key };
  if (unique === true) spec.unique = true;
  if (sparse === true) spec.sparse = true;
  if (expireAfterSeconds !== undefined) {
    const seconds = toNumber(expireAfterSeconds);
    if (seconds === undefined || seconds < 0 || Number.isNaN(seconds)) {
      throw new CommandError(
        'CannotCreateIndex',
        'TTL index expireAfterSeconds must be a non-negative number',
      );
    }
    if (Object.keys(key).length !== 1) {
      throw new CommandError(
        'CannotCreateIndex',
        'TTL indexes are single-field indexes, compound indexes do not support TTL',
      );
    }
    spec.expireAfterSeconds = seconds;
  }
  if (partialFilterExpression !== undefined) {
    if (!isDocument(partialFilterExpression)) {
      throw new CommandError('TypeMismatch', 'partialFilterExpression must be an object');
    }
    spec.partialFilterExpression = partialFilterExpression;
  }
  if (spec.name === ID_INDEX.name && spec.unique) {
    throw new CommandError(
      'InvalidIndexSpecificationOption',
      "The field 'unique' is not valid for an _id index specification",
    );
  }
  return spec;
}

export function sameKeyPattern(a: IndexSpec, b: IndexSpec): boolean {
  return canonicalKey(a.key) === canonicalKey(b.key);
}

/** Same index in every respect that matters for a "create if absent" request. */
export function sameIndex(a: IndexSpec, b: IndexSpec): boolean {
  return a.name === b.name && canonicalKey(indexListEntry(a)) === canonicalKey(indexListEntry(b));
}

/** The document listIndexes returns for an index. */
export function indexListEntry(spec: IndexSpec): BsonDocument {
  const entry: BsonDocument = { v: 2, key: spec.key, name: spec.name };
  if (spec.unique) entry.unique = true;
  if (spec.sparse) entry.sparse = true;
  if (spec.expireAfterSeconds !== undefined) entry.expireAfterSeconds = spec.expireAfterSeconds;
  if (spec.partialFilterExpression) entry.partialFilterExpression = spec.partialFilterExpression;
  return entry;
}

interface IndexKey {
  readonly canonical: string;
  readonly values: readonly unknown[];
}

/** A secondary index: its spec and, when unique, the keys it holds (canonical key → `_id` key). */
export class IndexState {
  private readonly fields: readonly string[];
  private readonly entries = new Map<string, string>();
  private readonly partial: DocumentFilter | undefined;
  /**
   * Documents by the key of each leading run of fields (`k:<key of fields 1..k>`), so a query
   * that pins those fields by equality reads its candidates instead of scanning the collection.
   * Kept only for indexes that hold every document (not sparse, not partial).
   */
  private readonly prefixes = new Map<string, Set<string>>();

  constructor(
    readonly spec: IndexSpec,
    private readonly ns: string,
  ) {
    this.fields = Object.keys(spec.key);
    this.partial = spec.partialFilterExpression
      ? new DocumentFilter(spec.partialFilterExpression)
      : undefined;
  }

  /** Throws E11000 when `document` (stored under `idKey`) would duplicate another document's key. */
  assertNoConflict(document: BsonDocument, idKey: string): void {
    if (!this.spec.unique) return;
    for (const key of this.keysOf(document)) {
      const owner = this.entries.get(key.canonical);
      if (owner !== undefined && owner !== idKey) throw this.duplicateKeyError(key.values);
    }
  }

  add(document: BsonDocument, idKey: string): void {
    const keys = this.keysOf(document);
    if (this.coversAll) {
      for (const prefix of this.prefixKeys(keys)) {
        let ids = this.prefixes.get(prefix);
        if (ids === undefined) {
          ids = new Set();
          this.prefixes.set(prefix, ids);
        }
        ids.add(idKey);
      }
    }
    if (!this.spec.unique) return;
    for (const key of keys) this.entries.set(key.canonical, idKey);
  }

  remove(document: BsonDocument, idKey: string): void {
    const keys = this.keysOf(document);
    if (this.coversAll) {
      for (const prefix of this.prefixKeys(keys)) {
        const ids = this.prefixes.get(prefix);
        ids?.delete(idKey);
        if (ids?.size === 0) this.prefixes.delete(prefix);
      }
    }
    if (!this.spec.unique) return;
    for (const key of keys) {
      if (this.entries.get(key.canonical) === idKey) this.entries.delete(key.canonical);
    }
  }

  /** True when the index holds every document, so its prefixes can stand in for a scan. */
  get coversAll(): boolean {
    return this.partial === undefined && this.spec.sparse !== true;
  }

  /**
   * The ids of documents whose leading indexed fields equal `equalities`, using the longest
   * leading run of this index's fields that the equalities pin; undefined when they pin none.
   */
  candidates(
    equalities: ReadonlyMap<string, unknown>,
  ): { covered: number; ids: ReadonlySet<string> } | undefined {
    if (!this.coversAll) return undefined;
    let prefix = '';
    let covered = 0;
    for (const field of this.fields) {
      if (!equalities.has(field)) break;
      prefix += `|${canonicalKey(equalities.get(field))}`;
      covered++;
    }
    if (covered === 0) return undefined;
    return { covered, ids: this.prefixes.get(`${covered}:${prefix}`) ?? new Set() };
  }

  /** `k:<canonical of the first k fields>` for every k and every key of the document. */
  private prefixKeys(keys: readonly IndexKey[]): Set<string> {
    const prefixes = new Set<string>();
    for (const key of keys) {
      let prefix = '';
      key.values.forEach((value, i) => {
        prefix += `|${canonicalKey(value)}`;
        prefixes.add(`${i + 1}:${prefix}`);
      });
    }
    return prefixes;
  }

  /** The earliest date a TTL index sees in the document, if any (non-dates never expire). */
  ttlDate(document: BsonDocument): Date | undefined {
    const [field] = this.fields;
    if (field === undefined) return undefined;
    let earliest: Date | undefined;
    for (const value of valuesAtPath(document, field).flat()) {
      if (value instanceof Date && (earliest === undefined || value < earliest)) earliest = value;
    }
    return earliest;
  }

  private keysOf(document: BsonDocument): IndexKey[] {
    if (this.spec.sparse && this.fields.every((field) => valuesAtPath(document, field).length === 0))
      return [];
    if (this.partial && !this.partial.test(document)) return [];
    let keys: IndexKey[] = [{ canonical: '', values: [] }];
    for (const field of this.fields) {
      const fieldKeys = new Map<string, unknown>();
      for (const value of indexKeysAtPath(document, field)) fieldKeys.set(canonicalKey(value), value);
      keys = keys.flatMap((prefix) =>
        [...fieldKeys].map(([canonical, value]) => ({
          canonical: `${prefix.canonical}|${canonical}`,
          values: [...prefix.values, value],
        })),
      );
    }
    return keys;
  }

  duplicateKeyError(values: readonly unknown[]): DuplicateKeyError {
    return duplicateKeyError(this.ns, this.spec, values);
  }
}

export function duplicateKeyError(
  ns: string,
  spec: IndexSpec,
  values: readonly unknown[],
): DuplicateKeyError {
  const keyValue: BsonDocument = {};
  Object.keys(spec.key).forEach((field, i) => {
    keyValue[field] = values[i] ?? null;
  });
  const keyPattern = { ...spec.key };
  return new DuplicateKeyError(
    `E11000 duplicate key error collection: ${ns} index: ${spec.name} dup key: ${formatDocument(keyValue)}`,
    keyPattern,
    keyValue,
  );
}
