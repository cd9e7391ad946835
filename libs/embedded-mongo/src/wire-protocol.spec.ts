import { describe, expect, it } from '@jest/globals';
import { deserialize, serialize } from 'bson';
import { ProtocolError } from './errors.js';
import { encodeOpMsg, encodeOpReply, FrameDecoder, OpCode, parseFrame } from './wire-protocol.js';

function frame(opCode: number, body: Buffer, requestId = 42): Buffer {
  const header = Buffer.alloc(16);
  header.writeInt32LE(16 + body.length, 0);
  header.writeInt32LE(requestId, 4);
  header.writeInt32LE(opCode, 12);
  return Buffer.concat([header, body]);
}

const flags = (value: number): Buffer => {
  const bytes = Buffer.alloc(4);
  bytes.writeUInt32LE(value, 0);
  return bytes;
};

function sequence(identifier: string, documents: Record<string, unknown>[]): Buffer {
  const payload = Buffer.concat([
    Buffer.from(`${identifier}\0`),
    ...documents.map((document) => serialize(document)),
  ]);
  const size = Buffer.alloc(4);
  size.writeInt32LE(4 + payload.length, 0);
  return Buffer.concat([Buffer.from([1]), size, payload]);
}

const body = (document: Record<string, unknown>): Buffer =>
  Buffer.concat([Buffer.from([0]), serialize(document)]);

describe('FrameDecoder', () => {
  it('waits for a whole frame and splits several frames out of one chunk', () => {
    const one = frame(OpCode.Msg, Buffer.concat([flags(0), body({ ping: 1 })]));
    const decoder = new FrameDecoder();
    expect(decoder.push(one.subarray(0, 2))).toEqual([]);
    expect(decoder.push(one.subarray(2, 10))).toEqual([]);
    expect(decoder.push(Buffer.concat([one.subarray(10), one, one.subarray(0, 5)]))).toEqual([one, one]);
    expect(decoder.push(one.subarray(5))).toEqual([one]);
  });

  it.each([
    ['shorter than a header', 15],
    ['longer than 48 MB', 48_000_001],
    ['negative', -1],
  ])('throws on a length %s as soon as the length is known', (_label, length) => {
    const bytes = Buffer.alloc(4);
    bytes.writeInt32LE(length, 0);
    expect(() => new FrameDecoder().push(bytes)).toThrow(ProtocolError);
  });
});

describe('parseFrame', () => {
  it('merges OP_MSG document sequences into the body and skips a trailing checksum', () => {
    const bytes = Buffer.concat([
      flags(1),
      body({ insert: 'c', $db: 'app' }),
      sequence('documents', [{ a: 1 }, { a: 2 }]),
      Buffer.from([0xde, 0xad, 0xbe, 0xef]),
    ]);
    const request = parseFrame(frame(OpCode.Msg, bytes, 7));
    expect(request).toEqual({
      requestId: 7,
      opCode: OpCode.Msg,
      moreToCome: false,
      command: { insert: 'c', $db: 'app', documents: [{ a: 1 }, { a: 2 }] },
    });
  });

  it('reports moreToCome', () => {
    expect(parseFrame(frame(OpCode.Msg, Buffer.concat([flags(2), body({ ping: 1 })]))).moreToCome).toBe(true);
  });

  it('unwraps a legacy OP_QUERY $query and takes the database from the namespace', () => {
    const query = Buffer.concat([
      flags(0),
      Buffer.from('admin.$cmd\0'),
      Buffer.alloc(8),
      serialize({ $query: { isMaster: 1 }, $readPreference: { mode: 'primary' } }),
    ]);
    expect(parseFrame(frame(OpCode.Query, query)).command).toEqual({ isMaster: 1, $db: 'admin' });
  });

  it.each([
    ['no body section', Buffer.concat([flags(0), sequence('documents', [{ a: 1 }])])],
    ['two body sections', Buffer.concat([flags(0), body({ a: 1 }), body({ b: 1 })])],
    [
      'a sequence duplicating a body field',
      Buffer.concat([flags(0), body({ documents: 1 }), sequence('documents', [])]),
    ],
    [
      'an unterminated sequence identifier',
      Buffer.concat([flags(0), body({ a: 1 }), Buffer.from([1, 7, 0, 0, 0, 0x61, 0x62])]),
    ],
    [
      'a sequence size beyond the frame',
      Buffer.concat([flags(0), body({ a: 1 }), Buffer.from([1, 99, 0, 0, 0])]),
    ],
    ['a truncated sequence size', Buffer.concat([flags(0), body({ a: 1 }), Buffer.from([1, 9])])],
    ['too few bytes', Buffer.from([0, 0, 0])],
  ])('rejects an OP_MSG with %s', (_label, bytes) => {
    expect(() => parseFrame(frame(OpCode.Msg, bytes))).toThrow(ProtocolError);
  });

  it('rejects an OP_QUERY without a terminated namespace, and a frame whose length lies', () => {
    expect(() => parseFrame(frame(OpCode.Query, Buffer.from([0, 0, 0, 0, 0x61])))).toThrow(ProtocolError);
    const lying = frame(OpCode.Msg, Buffer.concat([flags(0), body({ a: 1 })]));
    lying.writeInt32LE(lying.length + 1, 0);
    expect(() => parseFrame(lying)).toThrow(ProtocolError);
  });
});

describe('reply encoders', () => {
  it('frames OP_MSG replies with flagBits 0 and one body section', () => {
    const reply = encodeOpMsg(9, 42, serialize({ ok: 1 }));
    expect(reply.readInt32LE(0)).toBe(reply.length);
    expect([
      reply.readInt32LE(4),
      reply.readInt32LE(8),
      reply.readInt32LE(12),
      reply.readUInt32LE(16),
      reply[20],
    ]).toEqual([9, 42, OpCode.Msg, 0, 0]);
    expect(deserialize(reply.subarray(21))).toEqual({ ok: 1 });
  });

  it('frames OP_REPLY with cursorID 0, startingFrom 0 and numberReturned 1', () => {
    const reply = encodeOpReply(9, 42, serialize({ ok: 1 }));
    expect(reply.readInt32LE(12)).toBe(OpCode.Reply);
    expect([
      reply.readInt32LE(16),
      reply.readBigInt64LE(20),
      reply.readInt32LE(28),
      reply.readInt32LE(32),
    ]).toEqual([0, 0n, 0, 1]);
    expect(deserialize(reply.subarray(36))).toEqual({ ok: 1 });
  });
});
