import { canonicalKey, formatDocument, type BsonDocument } from './bson-values.js';
import { CommandError } from './errors.js';
import {
  duplicateKeyError,
  ID_INDEX,
  IndexState,
  sameIndex,
  sameKeyPattern,
  type IndexSpec,
} from './index-catalog.js';
import type { DocumentFilter } from './query-engine.js';

/**
 * One collection: documents in natural (insertion) order keyed by their canonical `_id`, which is
 * the implicit unique `_id_` index, plus secondary indexes. Stored documents are never mutated:
 * updates replace them, so cursors holding earlier versions stay consistent.
 */
export class CollectionStore {
  private readonly documents = new Map<string, BsonDocument>();
  private readonly indexes = new Map<string, IndexState>();
  /** Insertion order of each stored id, so index-assisted reads return natural order too. */
  private readonly order = new Map<string, number>();
  private nextOrder = 0;

  constructor(
    readonly db: string,
    readonly name: string,
    private readonly onChange: () => void,
  ) {}

  get ns(): string {
    return `${this.db}.${this.name}`;
  }

  get size(): number {
    return this.documents.size;
  }

  all(): BsonDocument[] {
    return [...this.documents.values()];
  }

  /** Documents matching `filter` in natural order; `limit` 0 means all. */
  find(filter: DocumentFilter, limit = 0): BsonDocument[] {
    if (filter.idKey !== undefined) {
      const candidate = this.documents.get(filter.idKey);
      return candidate !== undefined && filter.test(candidate) ? [candidate] : [];
    }
    const candidates = this.indexCandidates(filter);
    const found: BsonDocument[] = [];
    for (const document of candidates ?? this.documents.values()) {
      if (filter.test(document)) {
        found.push(document);
        if (found.length === limit) break;
      }
    }
    return found;
  }

  /**
   * Candidates from the index whose leading fields the filter pins the most of, in natural
   * order; undefined (scan everything) when no index helps. The full filter still runs on each.
   */
  private indexCandidates(filter: DocumentFilter): BsonDocument[] | undefined {
    if (filter.equalities.size === 0) return undefined;
    let best: { covered: number; ids: ReadonlySet<string> } | undefined;
    for (const index of this.indexes.values()) {
      const candidates = index.candidates(filter.equalities);
      if (candidates !== undefined && (best === undefined || candidates.covered > best.covered))
        best = candidates;
    }
    if (best === undefined) return undefined;
    const ids = [...best.ids].sort((a, b) => (this.order.get(a) ?? 0) - (this.order.get(b) ?? 0));
    const documents: BsonDocument[] = [];
    for (const id of ids) {
      const document = this.documents.get(id);
      if (document !== undefined) documents.push(document);
    }
    return documents;
  }

  insert(document: BsonDocument): void {
    const idKey = this.idKeyOf(document);
    if (this.documents.has(idKey)) throw duplicateKeyError(this.ns, ID_INDEX, [document._id]);
    for (const index of this.indexes.values()) index.assertNoConflict(document, idKey);
    for (const index of this.indexes.values()) index.add(document, idKey);
    this.documents.set(idKey, document);
    this.order.set(idKey, this.nextOrder++);
    this.onChange();
  }

  /** Swaps a stored document for its updated version (same `_id`), keeping unique indexes exact. */
  replace(previous: BsonDocument, next: BsonDocument): void {
    const idKey = this.idKeyOf(previous);
    for (const index of this.indexes.values()) index.assertNoConflict(next, idKey);
    for (const index of this.indexes.values()) {
      index.remove(previous, idKey);
      index.add(next, idKey);
    }
    this.documents.set(idKey, next);
    this.onChange();
  }

  remove(document: BsonDocument): void {
    const idKey = this.idKeyOf(document);
    for (const index of this.indexes.values()) index.remove(document, idKey);
    this.documents.delete(idKey);
    this.order.delete(idKey);
    this.onChange();
  }

  indexSpecs(): IndexSpec[] {
    return [ID_INDEX, ...[...this.indexes.values()].map((index) => index.spec)];
  }

  /** Creates an index; false when an identical one exists. A unique index over duplicates fails E11000. */
  createIndex(spec: IndexSpec): boolean {
    for (const existing of this.indexSpecs()) {
      if (existing.name === spec.name) {
        if (sameIndex(existing, spec)) return false;
        if (sameKeyPattern(existing, spec)) {
          throw new CommandError(
            'IndexOptionsConflict',
            `Index with name: ${spec.name} already exists with different options`,
          );
        }
        throw new CommandError(
          'IndexKeySpecsConflict',
          `An existing index has the same name as the requested index. When index names are not specified, they are auto generated and can cause conflicts. Please refer to our documentation. Requested index: ${formatDocument({ ...spec })}, existing index: ${formatDocument({ ...existing })}`,
        );
      }
      if (
        sameKeyPattern(existing, spec) &&
        canonicalKey(existing.partialFilterExpression) === canonicalKey(spec.partialFilterExpression)
      ) {
        throw new CommandError(
          'IndexOptionsConflict',
          `Index already exists with a different name: ${existing.name}`,
        );
      }
    }
    const index = new IndexState(spec, this.ns);
    for (const [idKey, document] of this.documents) {
      index.assertNoConflict(document, idKey);
      index.add(document, idKey);
    }
    this.indexes.set(spec.name, index);
    this.onChange();
    return true;
  }

  /** Drops by name or by key pattern; `_id_` cannot be dropped. */
  dropIndex(target: string | BsonDocument): void {
    const name =
      typeof target === 'string'
        ? target
        : this.indexSpecs().find((spec) => canonicalKey(spec.key) === canonicalKey(target))?.name;
    if (name === ID_INDEX.name) throw new CommandError('InvalidOptions', 'cannot drop _id index');
    if (name === undefined || !this.indexes.delete(name)) {
      throw new CommandError(
        'IndexNotFound',
        typeof target === 'string'
          ? `index not found with name [${target}]`
          : `can't find index with key: ${formatDocument(target)}`,
      );
    }
    this.onChange();
  }

  dropAllIndexes(): void {
    if (this.indexes.size === 0) return;
    this.indexes.clear();
    this.onChange();
  }

  /** Deletes documents whose TTL-indexed date + expireAfterSeconds ≤ now; returns how many. */
  expire(now: Date): number {
    let removed = 0;
    for (const index of this.indexes.values()) {
      const seconds = index.spec.expireAfterSeconds;
      if (seconds === undefined) continue;
      for (const document of this.all()) {
        const date = index.ttlDate(document);
        if (date !== undefined && date.getTime() + seconds * 1000 <= now.getTime()) {
          this.remove(document);
          removed++;
        }
      }
    }
    return removed;
  }

  private idKeyOf(document: BsonDocument): string {
    const id = document._id;
    if (Array.isArray(id))
      throw new CommandError('InvalidIdField', "The '_id' value cannot be of type array");
    if (id instanceof RegExp) throw new CommandError('InvalidIdField', "can't use a regex for _id");
    return canonicalKey(id);
  }
}
