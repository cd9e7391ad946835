import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

/** One request a receiver got. */
export interface ReceivedRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/** How a receiver answers: a status (and body, headers), or `hang`: never answer at all. */
export type ReceiverAnswer =
  | { readonly status: number; readonly body?: string; readonly headers?: Readonly<Record<string, string>> }
  | 'hang';

/**
 * A webhook or chat API on 127.0.0.1 (node:http), recording every request it gets and answering
 * as the test says, request by request (`answers`, then `otherwise`).
 */
export class LoopbackReceiver {
  readonly requests: ReceivedRequest[] = [];
  readonly #sockets = new Set<Socket>();
  readonly #hanging: ServerResponse[] = [];
  #answers: ReceiverAnswer[] = [];
  #otherwise: ReceiverAnswer = { status: 200, body: 'ok' };

  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(): Promise<LoopbackReceiver> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    const port = typeof address === 'object' && address !== null ? address.port : 0;
    const receiver = new LoopbackReceiver(server, `http://127.0.0.1:${port}`);
    server.on('connection', (socket) => {
      receiver.#sockets.add(socket);
      socket.on('close', () => receiver.#sockets.delete(socket));
    });
    server.on('request', (request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        receiver.requests.push({
          method: request.method ?? '',
          path: request.url ?? '',
          headers: request.headers,
          body: Buffer.concat(chunks).toString('utf8'),
        });
        receiver.#answer(response);
      });
    });
    return receiver;
  }

  /** The answers to the next requests, in order; after them, `otherwise` (200 "ok" by default). */
  answer(answers: readonly ReceiverAnswer[], otherwise: ReceiverAnswer = { status: 200, body: 'ok' }): void {
    this.#answers = [...answers];
    this.#otherwise = otherwise;
  }

  /** Parsed JSON bodies of the requests so far. */
  bodies(): unknown[] {
    return this.requests.map((request) => JSON.parse(request.body) as unknown);
  }

  async close(): Promise<void> {
    for (const response of this.#hanging.splice(0)) response.destroy();
    for (const socket of this.#sockets) socket.destroy();
    await new Promise<void>((resolve) => {
      this.server.close(() => {
        resolve();
      });
    });
  }

  #answer(response: ServerResponse): void {
    const answer = this.#answers.shift() ?? this.#otherwise;
    if (answer === 'hang') {
      this.#hanging.push(response);
      return;
    }
    response.writeHead(answer.status, { 'Content-Type': 'text/plain', ...answer.headers });
    response.end(answer.body ?? '');
  }
}
