import { deserialize, serialize } from 'bson';
import { DESERIALIZE_OPTIONS, isDocument, SERIALIZE_OPTIONS, type BsonDocument } from './bson-values.js';
import { errorMessage } from '@app/contracts';
import { ProtocolError } from './errors.js';

/**
 * MongoDB wire protocol framing (https://www.mongodb.com/docs/manual/reference/mongodb-wire-protocol/):
 * a 16-byte little-endian header (messageLength, requestID, responseTo, opCode) and a body.
 */
export const OpCode = { Reply: 1, Query: 2004, Msg: 2013 } as const;

export const HEADER_SIZE = 16;
export const MAX_MESSAGE_SIZE_BYTES = 48_000_000;
export const MAX_BSON_OBJECT_SIZE = 16 * 1024 * 1024;

const MSG_CHECKSUM_PRESENT = 1;
const MSG_MORE_TO_COME = 2;

/** A parsed request: the command document (with `$db`), and how to answer it. */
export interface WireRequest {
  readonly requestId: number;
  readonly opCode: typeof OpCode.Query | typeof OpCode.Msg;
  /** OP_MSG moreToCome: the client expects no reply. */
  readonly moreToCome: boolean;
  readonly command: BsonDocument;
}

/**
 * Reassembles frames from a TCP stream: chunks are kept until a whole message is present, and a
 * chunk may hold several messages. A length outside [16, 48 MB] throws as soon as it is seen.
 */
export class FrameDecoder {
  private chunks: Buffer[] = [];
  private buffered = 0;

  constructor(private readonly maxMessageSize = MAX_MESSAGE_SIZE_BYTES) {}

  push(chunk: Buffer): Buffer[] {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    const frames: Buffer[] = [];
    while (this.buffered >= 4) {
      const length = this.peekLength();
      if (length < HEADER_SIZE || length > this.maxMessageSize) {
        throw new ProtocolError(`invalid message length ${length}`);
      }
      if (this.buffered < length) break;
      const all = this.consolidate();
      frames.push(all.subarray(0, length));
      const rest = all.subarray(length);
      this.chunks = rest.length > 0 ? [rest] : [];
      this.buffered = rest.length;
    }
    return frames;
  }

  private peekLength(): number {
    const first = this.chunks[0];
    const head = first !== undefined && first.length >= 4 ? first : this.consolidate();
    return head.readInt32LE(0);
  }

  private consolidate(): Buffer {
    const all =
      this.chunks.length === 1 ? (this.chunks[0] as Buffer) : Buffer.concat(this.chunks, this.buffered);
    this.chunks = [all];
    return all;
  }
}

/** Parses one complete frame; throws ProtocolError for anything malformed or unsupported. */
export function parseFrame(frame: Buffer): WireRequest {
  if (frame.length < HEADER_SIZE || frame.readInt32LE(0) !== frame.length) {
    throw new ProtocolError('frame length does not match its header');
  }
  const requestId = frame.readInt32LE(4);
  const opCode = frame.readInt32LE(12);
  if (opCode === OpCode.Msg) return parseOpMsg(frame, requestId);
  if (opCode === OpCode.Query) return parseOpQuery(frame, requestId);
  throw new ProtocolError(`unsupported opCode ${opCode}`);
}

function parseOpMsg(frame: Buffer, requestId: number): WireRequest {
  if (frame.length < HEADER_SIZE + 5) throw new ProtocolError('OP_MSG too short');
  const flags = frame.readUInt32LE(HEADER_SIZE);
  const end = frame.length - (flags & MSG_CHECKSUM_PRESENT ? 4 : 0);
  let offset = HEADER_SIZE + 4;
  let body: BsonDocument | undefined;
  const sequences: [string, BsonDocument[]][] = [];
  while (offset < end) {
    const kind = frame[offset];
    offset += 1;
    if (kind === 0) {
      if (body !== undefined) throw new ProtocolError('OP_MSG has more than one body section');
      const size = documentSize(frame, offset, end);
      body = decodeDocument(frame, offset, size);
      offset += size;
    } else if (kind === 1) {
      if (offset + 4 > end) throw new ProtocolError('truncated document sequence');
      const sectionEnd = offset + frame.readInt32LE(offset);
      if (sectionEnd <= offset + 4 || sectionEnd > end) throw new ProtocolError('bad document sequence size');
      const nameEnd = frame.indexOf(0, offset + 4);
      if (nameEnd < 0 || nameEnd >= sectionEnd) throw new ProtocolError('unterminated sequence identifier');
      const identifier = frame.toString('utf8', offset + 4, nameEnd);
      const documents: BsonDocument[] = [];
      let position = nameEnd + 1;
      while (position < sectionEnd) {
        const size = documentSize(frame, position, sectionEnd);
        documents.push(decodeDocument(frame, position, size));
        position += size;
      }
      sequences.push([identifier, documents]);
      offset = sectionEnd;
    } else {
      throw new ProtocolError(`unknown OP_MSG section kind ${String(kind)}`);
    }
  }
  if (body === undefined) throw new ProtocolError('OP_MSG without a body section');
  for (const [identifier, documents] of sequences) {
    if (Object.hasOwn(body, identifier)) throw new ProtocolError(`duplicate field ${identifier}`);
    body[identifier] = documents;
  }
  return { requestId, opCode: OpCode.Msg, moreToCome: (flags & MSG_MORE_TO_COME) !== 0, command: body };
}

/** Legacy OP_QUERY, which drivers still use for the first handshake (`admin.$cmd`, `isMaster`). */
function parseOpQuery(frame: Buffer, requestId: number): WireRequest {
  const nameStart = HEADER_SIZE + 4;
  const nameEnd = frame.indexOf(0, nameStart);
  if (nameEnd < 0) throw new ProtocolError('unterminated collection name');
  const fullCollectionName = frame.toString('utf8', nameStart, nameEnd);
  const queryStart = nameEnd + 1 + 8;
  const size = documentSize(frame, queryStart, frame.length);
  const query = decodeDocument(frame, queryStart, size);
  const wrapped = query.$query ?? query.query;
  const command = isDocument(wrapped) ? wrapped : query;
  const dot = fullCollectionName.indexOf('.');
  command.$db = dot < 0 ? fullCollectionName : fullCollectionName.slice(0, dot);
  return { requestId, opCode: OpCode.Query, moreToCome: false, command };
}

function documentSize(frame: Buffer, offset: number, end: number): number {
  if (offset + 4 > end) throw new ProtocolError('truncated BSON document');
  const size = frame.readInt32LE(offset);
  if (size < 5 || offset + size > end) throw new ProtocolError(`bad BSON document size ${size}`);
  return size;
}

function decodeDocument(frame: Buffer, offset: number, size: number): BsonDocument {
  try {
    return deserialize(frame.subarray(offset, offset + size), DESERIALIZE_OPTIONS);
  } catch (error) {
    throw new ProtocolError(`invalid BSON: ${errorMessage(error)}`, { cause: error });
  }
}

function header(length: number, requestId: number, responseTo: number, opCode: number): Buffer {
  const buffer = Buffer.alloc(HEADER_SIZE);
  buffer.writeInt32LE(length, 0);
  buffer.writeInt32LE(requestId, 4);
  buffer.writeInt32LE(responseTo, 8);
  buffer.writeInt32LE(opCode, 12);
  return buffer;
}

export function serializeDocument(document: BsonDocument): Uint8Array {
  return serialize(document, SERIALIZE_OPTIONS);
}

/** OP_MSG reply: flagBits 0 and one kind-0 section. */
export function encodeOpMsg(requestId: number, responseTo: number, body: Uint8Array): Buffer {
  const length = HEADER_SIZE + 4 + 1 + body.length;
  const prefix = Buffer.alloc(5);
  return Buffer.concat([header(length, requestId, responseTo, OpCode.Msg), prefix, body], length);
}

/** OP_REPLY: responseFlags 0, cursorID 0, startingFrom 0, numberReturned 1, the document. */
export function encodeOpReply(requestId: number, responseTo: number, body: Uint8Array): Buffer {
  const length = HEADER_SIZE + 20 + body.length;
  const fields = Buffer.alloc(20);
  fields.writeInt32LE(1, 16);
  return Buffer.concat([header(length, requestId, responseTo, OpCode.Reply), fields, body], length);
}
