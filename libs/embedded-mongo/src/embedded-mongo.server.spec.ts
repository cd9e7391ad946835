import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { deserialize, serialize } from 'bson';
import { MongoClient, MongoServerError } from 'mongodb';
import { EmbeddedMongoServer } from './embedded-mongo.server.js';
import { encodeOpMsg, FrameDecoder, OpCode } from './wire-protocol.js';

/** A raw TCP peer: sends bytes, collects reply frames, notices when the server closes it. */
class RawPeer {
  readonly replies: Record<string, unknown>[] = [];
  readonly closed: Promise<void>;
  private readonly socket: Socket;
  private readonly decoder = new FrameDecoder();

  constructor(port: number) {
    this.socket = connect(port, '127.0.0.1');
    this.socket.on('error', () => undefined);
    this.socket.on('data', (chunk: Buffer) => {
      for (const frame of this.decoder.push(chunk)) {
        const offset = frame.readInt32LE(12) === OpCode.Reply ? 36 : 21;
        this.replies.push(deserialize(frame.subarray(offset)));
      }
    });
    this.closed = new Promise((resolve) => {
      this.socket.on('close', () => {
        resolve();
      });
    });
  }

  async send(bytes: Buffer): Promise<void> {
    await new Promise<void>((resolve) => {
      this.socket.write(bytes, () => {
        resolve();
      });
    });
  }

  async waitForReplies(count: number): Promise<void> {
    for (let waited = 0; this.replies.length < count; waited += 10) {
      if (waited > 5_000) throw new Error(`expected ${count} replies, got ${this.replies.length}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  end(): void {
    this.socket.destroy();
  }
}

const opMsg = (requestId: number, command: Record<string, unknown>): Buffer =>
  encodeOpMsg(requestId, 0, serialize(command));

function header(length: number, opCode: number): Buffer {
  const bytes = Buffer.alloc(16);
  bytes.writeInt32LE(length, 0);
  bytes.writeInt32LE(7, 4);
  bytes.writeInt32LE(opCode, 12);
  return bytes;
}

/** A frame whose header length matches its body. */
const frame = (opCode: number, body: number[] | Buffer): Buffer =>
  Buffer.concat([header(16 + body.length, opCode), Buffer.from(body)]);

describe('EmbeddedMongoServer (wire level)', () => {
  const warnings: string[] = [];
  let server: EmbeddedMongoServer;
  let client: MongoClient;

  beforeAll(async () => {
    server = await EmbeddedMongoServer.start({ logger: { warn: (message) => warnings.push(message) } });
    client = await new MongoClient(server.uri, { serverSelectionTimeoutMS: 5_000 }).connect();
  });

  afterAll(async () => {
    await client.close();
    await server.stop();
  });

  it('listens on 127.0.0.1 with a mongodb:// uri and answers the driver handshake', async () => {
    expect(server.uri).toBe(`mongodb://127.0.0.1:${server.port}/`);
    const hello = await client.db('admin').command({ hello: 1 });
    expect(hello).toMatchObject({ helloOk: true, isWritablePrimary: true, maxWireVersion: 21, ok: 1 });
    expect(hello).not.toHaveProperty('setName');
    expect(hello.localTime).toBeInstanceOf(Date);
  });

  it('answers ping, buildInfo, getParameter, connectionStatus, endSessions, serverStatus and hostInfo', async () => {
    const admin = client.db('admin');
    await expect(admin.command({ ping: 1 })).resolves.toMatchObject({ ok: 1 });
    await expect(admin.command({ buildInfo: 1 })).resolves.toMatchObject({
      version: '7.0.0-embedded',
      versionArray: [7, 0, 0, 0],
    });
    await expect(admin.command({ getParameter: 1, featureCompatibilityVersion: 1 })).resolves.toMatchObject({
      featureCompatibilityVersion: { version: '7.0' },
    });
    await expect(admin.command({ getParameter: 1, logLevel: 1 })).resolves.toEqual({ ok: 1 });
    await expect(admin.command({ connectionStatus: 1 })).resolves.toMatchObject({ authInfo: {}, ok: 1 });
    await expect(admin.command({ endSessions: [] })).resolves.toMatchObject({ ok: 1 });
    await expect(admin.command({ serverStatus: 1 })).resolves.toMatchObject({ process: 'mongod', ok: 1 });
    await expect(admin.command({ hostInfo: 1 })).resolves.toMatchObject({ ok: 1 });
    await expect(admin.command({ whatsmyuri: 1 })).resolves.toMatchObject({ ok: 1 });
  });

  it('answers an unknown command with CommandNotFound (59)', async () => {
    const error = await client
      .db('app')
      .command({ frobnicate: 1 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MongoServerError);
    expect(error).toMatchObject({
      code: 59,
      codeName: 'CommandNotFound',
      message: "no such command: 'frobnicate'",
    });
  });

  it('rejects transactions as a standalone mongod does (IllegalOperation, 20)', async () => {
    const transactionError = {
      code: 20,
      codeName: 'IllegalOperation',
      message: 'Transaction numbers are only allowed on a replica set member or mongos',
    };
    const collection = client.db('app').collection('tx');
    const session = client.startSession();
    try {
      session.startTransaction();
      await expect(collection.find({}, { session }).toArray()).rejects.toMatchObject(transactionError);
      await session.abortTransaction();
      // For writes the driver rewraps code 20 exactly as it does against a real standalone mongod.
      const transaction = session.withTransaction(async () => {
        await collection.insertOne({ a: 1 }, { session });
      });
      await expect(transaction).rejects.toMatchObject({
        message: expect.stringContaining('does not support retryable writes') as unknown,
        originalError: transactionError,
      });
    } finally {
      await session.endSession();
    }
    await expect(client.db('admin').command({ commitTransaction: 1 })).rejects.toMatchObject(
      transactionError,
    );
    expect(await collection.countDocuments()).toBe(0);
  });

  it('rejects change streams as a standalone mongod does (40573)', async () => {
    const stream = client.db('app').collection('events').watch();
    try {
      await expect(stream.tryNext()).rejects.toMatchObject({
        code: 40573,
        message: 'The $changeStream stage is only supported on replica sets',
      });
    } finally {
      await stream.close();
    }
  });

  it('serves several clients inserting concurrently; the counts add up', async () => {
    const clients = await Promise.all(
      Array.from({ length: 4 }, () => new MongoClient(server.uri, { maxPoolSize: 3 }).connect()),
    );
    try {
      await Promise.all(
        clients.flatMap((other, c) =>
          Array.from({ length: 25 }, (_, i) => other.db('app').collection('parallel').insertOne({ c, i })),
        ),
      );
      expect(await client.db('app').collection('parallel').countDocuments()).toBe(100);
      expect(await client.db('app').collection('parallel').countDocuments({ c: 3 })).toBe(25);
    } finally {
      await Promise.all(clients.map((other) => other.close()));
    }
  });

  it.each([
    ['random bytes', Buffer.from('f0e1d2c3b4a5968778695a4b3c2d1e0f00112233445566778899', 'hex')],
    ['a header claiming 2 GB', header(0x7fff_ffff, OpCode.Msg)],
    ['a length below the header size', header(8, OpCode.Msg)],
    ['an unknown opCode', frame(9999, [0, 0, 0, 0])],
    ['an OP_MSG with a truncated section', frame(OpCode.Msg, [0, 0, 0, 0, 0, 50, 0, 0, 0, 1, 2])],
    ['an OP_MSG whose BSON does not parse', frame(OpCode.Msg, [0, 0, 0, 0, 0, 8, 0, 0, 0, 0x42, 0x61, 0, 0])],
    ['an OP_MSG with an unknown section kind', frame(OpCode.Msg, [0, 0, 0, 0, 7, 5, 0, 0, 0, 0])],
  ])('closes the connection that sent %s and keeps serving others', async (_label, bytes) => {
    const peer = new RawPeer(server.port);
    await peer.send(bytes);
    await peer.closed;
    await expect(client.db('admin').command({ ping: 1 })).resolves.toMatchObject({ ok: 1 });
    expect(warnings.some((warning) => warning.includes('closing connection'))).toBe(true);
  });

  it('reassembles frames split across packets and answers frames sharing one packet', async () => {
    const peer = new RawPeer(server.port);
    const first = opMsg(1, { ping: 1, $db: 'admin' });
    for (const byte of first) await peer.send(Buffer.from([byte]));
    await peer.send(
      Buffer.concat([opMsg(2, { ping: 1, $db: 'admin' }), opMsg(3, { buildInfo: 1, $db: 'admin' })]),
    );
    await peer.waitForReplies(3);
    expect(peer.replies).toEqual([
      { ok: 1 },
      { ok: 1 },
      expect.objectContaining({ version: '7.0.0-embedded' }),
    ]);
    peer.end();
  });

  it('answers a legacy OP_QUERY handshake with OP_REPLY and skips replies for moreToCome', async () => {
    const peer = new RawPeer(server.port);
    const query = Buffer.concat([
      Buffer.alloc(4),
      Buffer.from('admin.$cmd\0'),
      Buffer.alloc(4),
      Buffer.from([0xff, 0xff, 0xff, 0xff]),
      serialize({ isMaster: 1, helloOk: true }),
    ]);
    await peer.send(frame(OpCode.Query, query));
    await peer.waitForReplies(1);
    expect(peer.replies[0]).toMatchObject({ ismaster: true, helloOk: true, ok: 1 });

    const silent = opMsg(5, { insert: 'quiet', documents: [{ a: 1 }], $db: 'app' });
    silent.writeUInt32LE(2, 16);
    await peer.send(Buffer.concat([silent, opMsg(6, { count: 'quiet', $db: 'app' })]));
    await peer.waitForReplies(2);
    expect(peer.replies[1]).toEqual({ n: 1, ok: 1 });
    peer.end();
  });

  it('answers a command without $db or with a malformed namespace with an error, not a crash', async () => {
    const peer = new RawPeer(server.port);
    await peer.send(Buffer.concat([opMsg(1, { ping: 1 }), opMsg(2, { find: 'x', $db: 'bad.db' })]));
    await peer.waitForReplies(2);
    expect(peer.replies[0]).toMatchObject({ ok: 0, code: 40414 });
    expect(peer.replies[1]).toMatchObject({ ok: 0 });
    peer.end();
  });
});
