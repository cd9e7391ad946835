import { randomBytes } from 'node:crypto';
import { calculateObjectSize, Long } from 'bson';
import { SERIALIZE_OPTIONS, type BsonDocument } from './bson-values.js';
import { CommandError } from './errors.js';
import { MAX_BSON_OBJECT_SIZE } from './wire-protocol.js';

/** Documents a first batch holds when the client names no batchSize (as mongod). */
export const DEFAULT_FIRST_BATCH = 101;
/** Headroom for the reply envelope around a batch, so the reply stays under 16 MiB. */
const BATCH_BYTES = MAX_BSON_OBJECT_SIZE - 64 * 1024;
/** mongod kills cursors idle for 10 minutes (cursorTimeoutMillis). */
export const CURSOR_IDLE_MS = 10 * 60 * 1000;

interface OpenCursor {
  readonly ns: string;
  readonly documents: readonly BsonDocument[];
  readonly transform: (document: BsonDocument) => BsonDocument;
  position: number;
  lastUsed: number;
}

export interface CursorBatch {
  readonly id: Long;
  readonly ns: string;
  readonly documents: BsonDocument[];
}

/** Server-side cursors: results are computed up front and handed out in batches by getMore. */
export class CursorRegistry {
  private readonly cursors = new Map<bigint, OpenCursor>();

  constructor(private readonly clock: () => number = () => Date.now()) {}

  get size(): number {
    return this.cursors.size;
  }

  /** Returns the first batch; registers a cursor only if documents remain (else id 0). */
  open(
    ns: string,
    documents: readonly BsonDocument[],
    options: {
      batchSize?: number;
      singleBatch?: boolean;
      transform?: (document: BsonDocument) => BsonDocument;
    } = {},
  ): CursorBatch {
    const cursor: OpenCursor = {
      ns,
      documents,
      transform: options.transform ?? ((document) => document),
      position: 0,
      lastUsed: this.clock(),
    };
    const batch = this.takeBatch(cursor, options.batchSize ?? DEFAULT_FIRST_BATCH);
    if (options.singleBatch || cursor.position >= documents.length)
      return { id: Long.ZERO, ns, documents: batch };
    const id = this.newId();
    this.cursors.set(id, cursor);
    return { id: Long.fromBigInt(id), ns, documents: batch };
  }

  /** The next batch (unbounded count when batchSize is 0/absent); an exhausted cursor answers id 0. */
  getMore(id: bigint, ns: string, batchSize = 0): CursorBatch {
    const cursor = this.cursors.get(id);
    if (!cursor) throw new CommandError('CursorNotFound', `cursor id ${id} not found`);
    if (cursor.ns !== ns) {
      throw new CommandError(
        'Unauthorized',
        `Requested getMore on namespace '${ns}', but cursor belongs to a different namespace ${cursor.ns}`,
      );
    }
    cursor.lastUsed = this.clock();
    const documents = this.takeBatch(cursor, batchSize > 0 ? batchSize : Number.POSITIVE_INFINITY);
    if (cursor.position < cursor.documents.length) return { id: Long.fromBigInt(id), ns, documents };
    this.cursors.delete(id);
    return { id: Long.ZERO, ns, documents };
  }

  kill(id: bigint): boolean {
    return this.cursors.delete(id);
  }

  /** Closes cursors unused for `idleMs`; returns how many. */
  closeIdle(idleMs = CURSOR_IDLE_MS): number {
    const cutoff = this.clock() - idleMs;
    let closed = 0;
    for (const [id, cursor] of this.cursors) {
      if (cursor.lastUsed <= cutoff) {
        this.cursors.delete(id);
        closed++;
      }
    }
    return closed;
  }

  clear(): void {
    this.cursors.clear();
  }

  private takeBatch(cursor: OpenCursor, limit: number): BsonDocument[] {
    const batch: BsonDocument[] = [];
    let bytes = 0;
    while (batch.length < limit && cursor.position < cursor.documents.length) {
      const document = cursor.transform(cursor.documents[cursor.position] as BsonDocument);
      const size = calculateObjectSize(document, SERIALIZE_OPTIONS);
      if (batch.length > 0 && bytes + size > BATCH_BYTES) break;
      batch.push(document);
      bytes += size;
      cursor.position++;
    }
    return batch;
  }

  /** A random positive 63-bit id, as mongod hands out (never 0, never reused while open). */
  private newId(): bigint {
    for (;;) {
      const id = randomBytes(8).readBigInt64LE() & 0x7fff_ffff_ffff_ffffn;
      if (id !== 0n && !this.cursors.has(id)) return id;
    }
  }
}
