import { randomBytes } from 'node:crypto';
import { connect as connectTcp, Socket as TcpSocket } from 'node:net';
import { io, type ManagerOptions, type Socket, type SocketOptions } from 'socket.io-client';
import type { SignalsClientEvents, SignalsServerEvents } from '@app/contracts';

/**
 * Helpers of the test/gateway-socket-*.e2e-spec.ts suites: Socket.IO clients of `/signals`, a way
 * to cut a client's TCP connection without any close handshake, and a hand-written
 * Engine.IO/Socket.IO peer over a raw TCP socket that can stop reading (a dead peer: it never
 * answers the server's pings).
 */

export type SignalsClient = Socket<SignalsServerEvents, SignalsClientEvents>;

/** A client that may send anything (malformed payloads): Socket.IO's untyped event map. */
export type LooseClient = Socket;

type ClientOptions = Partial<ManagerOptions & SocketOptions>;

/** Options every test client shares: websocket only, its own connection, no automatic reconnect. */
export const CLIENT_DEFAULTS: ClientOptions = {
  forceNew: true,
  transports: ['websocket'],
  reconnection: false,
  timeout: 10_000,
};

/** Opens a `/signals` client and resolves once connected; rejects with the server's connect_error. */
export function connectClient(port: number, options: ClientOptions = {}): Promise<SignalsClient> {
  const client: SignalsClient = io(`http://127.0.0.1:${port}/signals`, { ...CLIENT_DEFAULTS, ...options });
  return new Promise((resolve, reject) => {
    client.once('connect', () => {
      client.off('connect_error');
      resolve(client);
    });
    client.once('connect_error', (error) => {
      client.close();
      reject(error);
    });
  });
}

/** The connect_error message of a client the server refuses (rejects when it connects instead). */
export async function refusal(port: number, options: ClientOptions = {}): Promise<string> {
  try {
    const client = await connectClient(port, options);
    client.close();
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
  throw new Error('the server accepted a connection it should have refused');
}

/** Sends one event and resolves with the server's acknowledgement, as received (unvalidated). */
export function ask(
  client: SignalsClient | LooseClient,
  event: string,
  ...args: unknown[]
): Promise<unknown> {
  return new Promise((resolve, reject) => {
    (client as LooseClient).timeout(10_000).emit(event, ...args, (error: Error | null, answer: unknown) => {
      if (error === null) resolve(answer);
      else reject(error);
    });
  });
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

/**
 * The TCP socket under a websocket-transport client: engine.io-client's transport holds a `ws`
 * WebSocket (`.ws`), which holds the net.Socket (`._socket`).
 */
export function tcpSocketOf(client: SignalsClient): TcpSocket {
  const transport: unknown = client.io.engine.transport;
  const ws = isObject(transport) ? transport.ws : undefined;
  const tcp = isObject(ws) ? ws._socket : undefined;
  if (!(tcp instanceof TcpSocket))
    throw new Error('no TCP socket under the client (is the transport websocket, over ws?)');
  return tcp;
}

/** Reads one gauge of a Prometheus text exposition (no labels). */
export function gaugeValue(exposition: string, name: string): number {
  const line = exposition.split('\n').find((text) => text.startsWith(`${name} `));
  if (line === undefined) throw new Error(`metric ${name} not exposed`);
  return Number(line.slice(name.length + 1));
}

/** A masked client frame (RFC 6455 §5.3), text unless another opcode is given. */
function maskedFrame(data: string | Buffer, opcode = 0x1): Buffer {
  const payload = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  const length = payload.length;
  const header =
    length < 126
      ? Buffer.from([0x80 | opcode, 0x80 | length])
      : Buffer.from([0x80 | opcode, 0x80 | 126, length >> 8, length & 0xff]);
  const mask = randomBytes(4);
  const masked = Buffer.alloc(length);
  for (let i = 0; i < length; i += 1) masked[i] = (payload[i] ?? 0) ^ (mask[i % 4] ?? 0);
  return Buffer.concat([header, mask, masked]);
}

/**
 * A Socket.IO v4 client written by hand over a raw TCP socket (RFC 6455 framing, Engine.IO v4
 * packets), so a test controls every byte: it answers pings only while `alive`, and `goSilent()`
 * stops reading altogether, like a peer whose network vanished without a FIN.
 */
export class RawSignalsPeer {
  #buffer = Buffer.alloc(0);
  #upgraded = false;
  #alive = true;
  #closed = false;
  /** The server's answer when it refused the upgrade: its status line and body. */
  #refusal: string | null = null;
  readonly #inbox: string[] = [];
  readonly #waiters: {
    match: (text: string) => boolean;
    resolve: (text: string) => void;
    reject: (error: Error) => void;
  }[] = [];

  private constructor(readonly socket: TcpSocket) {
    socket.on('data', (chunk: Buffer) => {
      this.#receive(chunk);
    });
    socket.on('close', () => {
      this.#closed = true;
      for (const waiter of this.#waiters.splice(0))
        waiter.reject(new Error(this.#refusal ?? 'the server closed the connection'));
    });
    // A reset from the server after we stopped answering is expected; it must not crash the test.
    socket.on('error', () => undefined);
  }

  /**
   * Opens the websocket transport (`/socket.io/?EIO=4&transport=websocket`). A refused upgrade
   * rejects with the server's status line and body (`HTTP/1.1 400 Bad Request: <reason>`).
   */
  static async open(port: number): Promise<RawSignalsPeer> {
    const socket = connectTcp({ host: '127.0.0.1', port });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    const peer = new RawSignalsPeer(socket);
    socket.write(
      [
        'GET /socket.io/?EIO=4&transport=websocket HTTP/1.1',
        `Host: 127.0.0.1:${port}`,
        'Upgrade: websocket',
        'Connection: Upgrade',
        `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}`,
        'Sec-WebSocket-Version: 13',
        '',
        '',
      ].join('\r\n'),
    );
    await peer.next((text) => text.startsWith('0{'));
    return peer;
  }

  /** Whether the TCP connection is closed (by either side). */
  get closed(): boolean {
    return this.#closed;
  }

  /** Resolves once the TCP connection is closed (by either side). */
  async whenClosed(): Promise<void> {
    if (this.#closed) return;
    await new Promise((resolve) => this.socket.once('close', resolve));
  }

  /** Joins `/signals` and sends one subscribe; resolves with its acknowledgement. */
  async joinAndSubscribe(request: unknown): Promise<unknown> {
    this.send('40/signals,');
    await this.next((text) => text.startsWith('40/signals,'));
    this.send(`42/signals,0${JSON.stringify(['subscribe', request])}`);
    const ack = await this.next((text) => text.startsWith('43/signals,0'));
    const answer: unknown = JSON.parse(ack.slice('43/signals,0'.length));
    return Array.isArray(answer) ? answer[0] : undefined;
  }

  /** Stops answering pings and stops reading: the server hears nothing more from this peer. */
  goSilent(): void {
    this.#alive = false;
    this.socket.pause();
  }

  destroy(): void {
    this.socket.destroy();
  }

  /** Resolves with the next text message matching `match` (already received ones included). */
  next(match: (text: string) => boolean): Promise<string> {
    const index = this.#inbox.findIndex(match);
    if (index >= 0) return Promise.resolve(this.#inbox.splice(index, 1)[0] ?? '');
    if (this.#closed) return Promise.reject(new Error('the connection is closed'));
    return new Promise((resolve, reject) => this.#waiters.push({ match, resolve, reject }));
  }

  /** One masked text frame (clients must mask, RFC 6455 §5.3). */
  send(text: string): void {
    this.socket.write(maskedFrame(text));
  }

  /** Several frames in one TCP write, so the server parses them in one go. */
  sendTogether(texts: readonly string[]): void {
    this.socket.write(Buffer.concat(texts.map((text) => maskedFrame(text))));
  }

  #receive(chunk: Buffer): void {
    this.#buffer = Buffer.concat([this.#buffer, chunk]);
    if (!this.#upgraded) {
      const end = this.#buffer.indexOf('\r\n\r\n');
      if (end < 0) return;
      const head = this.#buffer.subarray(0, end).toString('latin1');
      // Refused upgrade: once its body is in, closing rejects whoever waits for a message.
      if (!head.startsWith('HTTP/1.1 101')) {
        const length = Number(/\r\ncontent-length: *(\d+)/i.exec(head)?.[1] ?? 0);
        if (this.#buffer.length < end + 4 + length) return;
        const body = this.#buffer.subarray(end + 4, end + 4 + length).toString('utf8');
        this.#refusal = `${head.split('\r\n')[0] ?? ''}: ${body}`;
        this.socket.destroy();
        return;
      }
      this.#upgraded = true;
      this.#buffer = this.#buffer.subarray(end + 4);
    }
    for (;;) {
      const frame = this.#frame();
      if (frame === null) return;
      if (frame.opcode === 0x1) this.#message(frame.payload.toString('utf8'));
      // A live peer completes the closing handshake (RFC 6455 §5.5.1) by echoing the close frame.
      else if (frame.opcode === 0x8 && this.#alive) this.socket.end(maskedFrame(frame.payload, 0x8));
    }
  }

  /** Cuts one unmasked server frame off the buffer, or null when it is not complete yet. */
  #frame(): { opcode: number; payload: Buffer } | null {
    const buffer = this.#buffer;
    if (buffer.length < 2) return null;
    const opcode = (buffer[0] ?? 0) & 0x0f;
    let length = (buffer[1] ?? 0) & 0x7f;
    let offset = 2;
    if (length === 126) {
      if (buffer.length < 4) return null;
      length = buffer.readUInt16BE(2);
      offset = 4;
    } else if (length === 127) {
      if (buffer.length < 10) return null;
      length = Number(buffer.readBigUInt64BE(2));
      offset = 10;
    }
    if (buffer.length < offset + length) return null;
    this.#buffer = buffer.subarray(offset + length);
    return { opcode, payload: buffer.subarray(offset, offset + length) };
  }

  #message(text: string): void {
    // Engine.IO ping ("2"): a live peer answers pong ("3").
    if (text === '2') {
      if (this.#alive) this.send('3');
      return;
    }
    const index = this.#waiters.findIndex((waiter) => waiter.match(text));
    if (index < 0) {
      this.#inbox.push(text);
      return;
    }
    const [waiter] = this.#waiters.splice(index, 1);
    waiter?.resolve(text);
  }
}
