import { Agent, request } from 'node:http';
import { setTimeout as delay } from 'node:timers/promises';

/**
 * Steady HTTP load for the drain e2e (test/gateway-drain.e2e-spec.ts): clients that each hold one
 * keep-alive connection and send requests back to back, classifying every request by what the
 * server did with it. What a client can see tells apart a request the server never took (the
 * connection was refused, or closed before the request was read) from one it took and failed.
 */

/** One request a load client sends over and over, and what its answer must be. */
export interface LoadRequest {
  readonly name: string;
  readonly method: 'GET' | 'POST';
  readonly path: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
  /** Null when the body is the expected one; otherwise what differs. */
  readonly check: (status: number, body: unknown) => string | null;
}

export type OutcomeKind =
  /** A complete response whose status and body are the expected ones. */
  | 'ok'
  /** The TCP connection was refused (or reset while connecting): nothing listens any more (a balancer retries elsewhere). */
  | 'refused'
  /**
   * Connected, but closed with no byte of an answer. The drain closes a connection only between
   * requests (or cuts it off at the deadline, which it reports), so the request was not read.
   */
  | 'unread'
  /** Anything else: a wrong status or body, a truncated response, an error after it started. */
  | 'failed';

export interface Outcome {
  readonly request: string;
  readonly kind: OutcomeKind;
  /** Sent after the test signalled the server (its handling of the signal is asynchronous). */
  readonly afterSignal: boolean;
  /** Sent on a connection an earlier request had used (keep-alive). */
  readonly reusedConnection: boolean;
  readonly status: number | null;
  /** The response said `Connection: close`. */
  readonly connectionClose: boolean;
  readonly detail: string;
}

/** The load on one server: `clients` connections per request kind, until `stop()`. */
export class HttpLoad {
  readonly outcomes: Outcome[] = [];
  #signalled = false;
  #stopped = false;
  readonly #loops: Promise<void>[] = [];
  readonly #agents: Agent[] = [];

  constructor(
    private readonly port: number,
    requests: readonly LoadRequest[],
    clients: number,
  ) {
    for (const spec of requests)
      for (let i = 0; i < clients; i++) {
        const agent = new Agent({ keepAlive: true, maxSockets: 1 });
        this.#agents.push(agent);
        this.#loops.push(this.#loop(spec, agent));
      }
  }

  /** From now on, requests count as sent after the signal. */
  signalled(): void {
    this.#signalled = true;
  }

  of(kind: OutcomeKind): Outcome[] {
    return this.outcomes.filter((outcome) => outcome.kind === kind);
  }

  /** Each client ends once it has been refused (the listener is closed) or after `stop()`. */
  async finished(): Promise<void> {
    await Promise.all(this.#loops);
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    await this.finished();
    for (const agent of this.#agents) agent.destroy();
  }

  async #loop(spec: LoadRequest, agent: Agent): Promise<void> {
    while (!this.#stopped) {
      const outcome = await this.#send(spec, agent);
      this.outcomes.push(outcome);
      // A closed listener stays closed: the client would now go to another replica.
      if (outcome.kind === 'refused') return;
      // Nothing listens, or something broke: no busy loop while the test looks.
      if (outcome.kind !== 'ok') await delay(10);
    }
  }

  #send(spec: LoadRequest, agent: Agent): Promise<Outcome> {
    const afterSignal = this.#signalled;
    return new Promise((resolve) => {
      let settled = false;
      let connected = false;
      let responded = false;
      const settle = (outcome: Omit<Outcome, 'request' | 'afterSignal' | 'reusedConnection'>): void => {
        if (settled) return;
        settled = true;
        resolve({ request: spec.name, afterSignal, reusedConnection: sent.reusedSocket, ...outcome });
      };
      const sent = request(
        {
          host: '127.0.0.1',
          port: this.port,
          method: spec.method,
          path: spec.path,
          agent,
          headers: {
            ...spec.headers,
            ...(spec.body === undefined
              ? {}
              : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(spec.body) }),
          },
        },
        (response) => {
          responded = true;
          const status = response.statusCode ?? 0;
          const connectionClose = /close/i.test(response.headers.connection ?? '');
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          const fail = (detail: string): void => {
            settle({ kind: 'failed', status, connectionClose, detail });
          };
          response.on('error', (error) => {
            fail(`response cut off: ${error.message}`);
          });
          response.on('close', () => {
            if (!response.complete) fail('response cut off (incomplete)');
          });
          response.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            const declared = response.headers['content-length'];
            if (declared !== undefined && Number(declared) !== Buffer.byteLength(text)) {
              fail(`body of ${Buffer.byteLength(text)} bytes, ${declared} declared`);
              return;
            }
            let body: unknown;
            try {
              body = JSON.parse(text);
            } catch {
              fail(`not JSON: ${text.slice(0, 80)}`);
              return;
            }
            const wrong = spec.check(status, body);
            if (wrong !== null) fail(`${status}: ${wrong}`);
            else settle({ kind: 'ok', status, connectionClose, detail: '' });
          });
        },
      );
      sent.on('socket', (socket) => {
        if (!socket.connecting) connected = true;
        else
          socket.once('connect', () => {
            connected = true;
          });
      });
      sent.on('error', (error: NodeJS.ErrnoException) => {
        if (responded) return; // The response's own handlers settle it.
        const base = { status: null, connectionClose: false, detail: `${error.code ?? ''} ${error.message}` };
        // Refused, or reset while connecting (the listener closed with the handshake on its way).
        if (!connected && (error.code === 'ECONNREFUSED' || error.code === 'ECONNRESET'))
          settle({ kind: 'refused', ...base });
        else if (connected) settle({ kind: 'unread', ...base });
        else settle({ kind: 'failed', ...base });
      });
      sent.end(spec.body);
    });
  }
}
