import { CollectionStore } from './collection-store.js';
import { CommandError } from './errors.js';

const INVALID_DB_CHARACTERS = /[/\\. "$*<>:|?\0]/;

/** All databases and their collections; `version` counts changes so snapshots know when to save. */
export class EmbeddedStorage {
  private readonly databases = new Map<string, Map<string, CollectionStore>>();
  private changes = 0;

  get version(): number {
    return this.changes;
  }

  readonly markChanged = (): void => {
    this.changes++;
  };

  collection(db: string, name: string): CollectionStore | undefined {
    return this.databases.get(db)?.get(name);
  }

  /** The collection, created implicitly (as an insert or createIndexes does) when absent. */
  ensureCollection(db: string, name: string): { collection: CollectionStore; created: boolean } {
    const existing = this.collection(db, name);
    if (existing) return { collection: existing, created: false };
    return { collection: this.addCollection(db, name), created: true };
  }

  createCollection(db: string, name: string): CollectionStore {
    if (this.collection(db, name)) {
      throw new CommandError('NamespaceExists', `Collection ${db}.${name} already exists.`);
    }
    return this.addCollection(db, name);
  }

  dropCollection(db: string, name: string): CollectionStore {
    const collection = this.collection(db, name);
    if (!collection) throw new CommandError('NamespaceNotFound', 'ns not found');
    this.databases.get(db)?.delete(name);
    this.markChanged();
    return collection;
  }

  dropDatabase(db: string): void {
    if (this.databases.delete(db)) this.markChanged();
  }

  /** Databases holding at least one collection (MongoDB lists no empty database). */
  databaseNames(): string[] {
    return [...this.databases].filter(([, collections]) => collections.size > 0).map(([name]) => name);
  }

  collections(db: string): CollectionStore[] {
    return [...(this.databases.get(db)?.values() ?? [])];
  }

  /** Runs every TTL index once; returns the number of documents deleted. */
  sweepExpired(now: Date): number {
    let removed = 0;
    for (const collections of this.databases.values()) {
      for (const collection of collections.values()) removed += collection.expire(now);
    }
    return removed;
  }

  private addCollection(db: string, name: string): CollectionStore {
    assertValidNamespace(db, name);
    let collections = this.databases.get(db);
    if (!collections) {
      collections = new Map();
      this.databases.set(db, collections);
    }
    const collection = new CollectionStore(db, name, this.markChanged);
    collections.set(name, collection);
    this.markChanged();
    return collection;
  }
}

export function assertValidDatabaseName(db: string): void {
  if (db.length === 0 || db.length > 63 || INVALID_DB_CHARACTERS.test(db)) {
    throw new CommandError('InvalidNamespace', `Invalid database name: '${db}'`);
  }
}

export function assertValidNamespace(db: string, name: string): void {
  assertValidDatabaseName(db);
  if (
    name.length === 0 ||
    name.includes('\0') ||
    name.startsWith('$') ||
    name.startsWith('.') ||
    name.endsWith('.')
  ) {
    throw new CommandError('InvalidNamespace', `Invalid collection name: '${name}'`);
  }
}
