import { mkdir, open, readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { deserialize, serialize } from 'bson';
import {
  DESERIALIZE_OPTIONS,
  isDocument,
  SERIALIZE_OPTIONS,
  toNumber,
  type BsonDocument,
} from './bson-values.js';
import { errorMessage } from '@app/contracts';
import { ID_INDEX, parseIndexSpec } from './index-catalog.js';
import { EmbeddedStorage } from './storage.js';

export const SNAPSHOT_FILE = 'embedded-mongo.snapshot.bson';
const FORMAT = 'embedded-mongo-snapshot';
const FORMAT_VERSION = 1;
/** Chunks are concatenated up to this size before each write. */
const WRITE_BLOCK_BYTES = 4 * 1024 * 1024;

/**
 * The snapshot is a sequence of BSON documents: a header, then per collection a descriptor
 * (`{ collection: { db, name, indexes, count } }`) followed by its `count` documents, then a trailer
 * (`{ end: true, collections }`) so a truncated file is detected rather than half-loaded.
 */
export function encodeSnapshot(storage: EmbeddedStorage, journalFrom = 0): Uint8Array[] {
  const encode = (document: BsonDocument): Uint8Array => serialize(document, SERIALIZE_OPTIONS);
  // journalFrom: the first journal generation this snapshot does not cover.
  const chunks: Uint8Array[] = [encode({ format: FORMAT, version: FORMAT_VERSION, journalFrom })];
  let collections = 0;
  for (const db of storage.databaseNames()) {
    for (const collection of storage.collections(db)) {
      const documents = collection.all();
      const indexes = collection.indexSpecs().filter((spec) => spec.name !== ID_INDEX.name);
      chunks.push(encode({ collection: { db, name: collection.name, indexes, count: documents.length } }));
      for (const document of documents) chunks.push(encode(document));
      collections++;
    }
  }
  chunks.push(encode({ end: true, collections }));
  return chunks;
}

export function decodeSnapshot(buffer: Uint8Array): EmbeddedStorage {
  return readSnapshot(buffer).storage;
}

/** The stored state, and the first journal generation to replay over it. */
export interface LoadedSnapshot {
  readonly storage: EmbeddedStorage;
  readonly journalFrom: number;
}

export function readSnapshot(buffer: Uint8Array): LoadedSnapshot {
  const storage = new EmbeddedStorage();
  const bytes = Buffer.from(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  let offset = 0;
  const next = (): BsonDocument => {
    if (offset + 4 > bytes.length) throw new Error('unexpected end of file');
    const size = bytes.readInt32LE(offset);
    if (size < 5 || offset + size > bytes.length)
      throw new Error(`bad document size ${size} at offset ${offset}`);
    const document = deserialize(bytes.subarray(offset, offset + size), DESERIALIZE_OPTIONS);
    offset += size;
    return document;
  };
  const header = next();
  if (header.format !== FORMAT || header.version !== FORMAT_VERSION)
    throw new Error('unknown snapshot format');
  // Snapshots written before the journal existed have none to replay after them.
  const journalFrom = toNumber(header.journalFrom) ?? 0;
  let collections = 0;
  for (;;) {
    const entry = next();
    if (entry.end === true) {
      if (entry.collections !== collections || offset !== bytes.length)
        throw new Error('inconsistent trailer');
      return { storage, journalFrom };
    }
    const descriptor = entry.collection;
    if (!isDocument(descriptor) || typeof descriptor.db !== 'string' || typeof descriptor.name !== 'string') {
      throw new Error('bad collection descriptor');
    }
    const collection = storage.createCollection(descriptor.db, descriptor.name);
    const indexes = Array.isArray(descriptor.indexes) ? (descriptor.indexes as unknown[]) : [];
    for (const spec of indexes) collection.createIndex(parseIndexSpec(spec));
    const count = toNumber(descriptor.count) ?? 0;
    for (let i = 0; i < count; i++) collection.insert(next());
    collections++;
  }
}

export async function loadSnapshot(dataDir: string): Promise<LoadedSnapshot> {
  await mkdir(dataDir, { recursive: true });
  const path = join(dataDir, SNAPSHOT_FILE);
  let buffer: Buffer;
  try {
    buffer = await readFile(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT')
      return { storage: new EmbeddedStorage(), journalFrom: 0 };
    throw error;
  }
  try {
    return readSnapshot(buffer);
  } catch (error) {
    throw new Error(
      `embedded-mongo: snapshot ${path} is unreadable (${errorMessage(error)}); move it away to start empty`,
      {
        cause: error,
      },
    );
  }
}

/** Writes to a temporary file, syncs, then renames over the snapshot: a crash never leaves half a file. */
export async function writeSnapshot(dataDir: string, chunks: readonly Uint8Array[]): Promise<void> {
  const path = join(dataDir, SNAPSHOT_FILE);
  const temporary = `${path}.${process.pid}.tmp`;
  const handle = await open(temporary, 'w');
  try {
    for (const block of blocks(chunks)) {
      let written = 0;
      while (written < block.length) {
        const { bytesWritten } = await handle.write(block, written, block.length - written);
        written += bytesWritten;
      }
    }
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(temporary, path);
}

function* blocks(chunks: readonly Uint8Array[]): Generator<Buffer> {
  let pending: Uint8Array[] = [];
  let size = 0;
  for (const chunk of chunks) {
    pending.push(chunk);
    size += chunk.length;
    if (size >= WRITE_BLOCK_BYTES) {
      yield Buffer.concat(pending, size);
      pending = [];
      size = 0;
    }
  }
  if (size > 0) yield Buffer.concat(pending, size);
}
