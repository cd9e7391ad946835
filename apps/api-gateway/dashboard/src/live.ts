import { io, type Socket } from 'socket.io-client';
import type { ApiKeys } from './api-key.js';
import {
  type ClientEvents,
  type FullResult,
  type LiveOpinion,
  type LiveUpdate,
  type ServerEvents,
  type SignalChange,
  type StreamRef,
  type SubscribeAck,
} from './types.js';

/** What the connection badge shows. */
export type ConnectionState = 'connecting' | 'live' | 'reconnecting' | 'disconnected';

export interface LiveHandlers {
  state(state: ConnectionState, detail: string): void;
  /** Connected (again): the caller reloads what it shows, then subscribes. */
  connected(): void;
  snapshot(stream: StreamRef, result: FullResult): void;
  update(update: LiveUpdate): void;
  signal(change: SignalChange): void;
  opinion(opinion: LiveOpinion): void;
}

/** The gateway lets a socket send 10 subscribe messages a second, in bursts of 20 (app.yaml socket). */
const SUBSCRIBE_BURST = 15;
const SUBSCRIBE_SPACING_MS = 120;
const ACK_TIMEOUT_MS = 10_000;

const pause = (ms: number): Promise<void> =>
  new Promise((resolve) => {
    window.setTimeout(resolve, ms);
  });

/**
 * Socket.IO `/signals`, as any client uses it: subscribe to each stream (the acknowledgement
 * carries its latest result), then `confluence.updated`, `signal.changed` and `llm.opinion` of
 * those rooms. socket.io-client reconnects by itself after a transport close; a server's own
 * disconnect and a refused handshake it does not retry, so those are retried here (the latter
 * after asking for the API key). On every connect the subscriptions are sent again (the server
 * keeps none across connections).
 */
export class LiveFeed {
  readonly #socket: Socket<ServerEvents, ClientEvents>;
  #streams: StreamRef[] = [];
  /** Bumped on every connect: a subscribe loop of an older connection stops. */
  #generation = 0;

  constructor(
    private readonly keys: ApiKeys,
    private readonly handlers: LiveHandlers,
  ) {
    this.#socket = io('/signals', {
      autoConnect: false,
      // Someone is watching: retry sooner than socket.io-client's 1–5 s (still backing off, jittered).
      reconnectionDelay: 500,
      reconnectionDelayMax: 3000,
      // Read at every (re)connection, so a key entered later is sent.
      auth: (send) => {
        const key = this.keys.current();
        send(key === null ? {} : { apiKey: key });
      },
    });
    this.#listen();
  }

  start(): void {
    this.handlers.state('connecting', 'connecting…');
    this.#socket.connect();
  }

  /** The streams to follow (replacing the previous set) from now on, and after every reconnect. */
  follow(streams: readonly StreamRef[]): void {
    this.#streams = [...streams];
    if (this.#socket.connected) void this.#subscribeAll(this.#generation);
  }

  #listen(): void {
    const socket = this.#socket;
    socket.on('connect', () => {
      this.#generation += 1;
      this.handlers.state('live', 'live');
      this.handlers.connected();
    });
    socket.on('disconnect', (reason) => {
      this.handlers.state('reconnecting', `disconnected (${reason}); reconnecting…`);
      // The only reason socket.io-client does not reconnect by itself; ours is to keep watching.
      if (reason === 'io server disconnect') socket.connect();
    });
    socket.on('connect_error', (error) => {
      if (error.message.startsWith('unauthorized')) {
        this.handlers.state('disconnected', 'the live feed needs an API key');
        void this.keys.obtain(this.keys.current(), error.message).then((key) => {
          if (key !== null) socket.connect();
        });
      } else if (socket.active) {
        this.handlers.state('reconnecting', `cannot reach the gateway (${error.message}); retrying…`);
      } else {
        this.handlers.state('disconnected', `refused: ${error.message}`);
      }
    });
    socket.io.on('reconnect_attempt', (attempt) => {
      this.handlers.state('reconnecting', `reconnecting (attempt ${attempt})…`);
    });
    socket.on('server.shutdown', () => {
      this.handlers.state('reconnecting', 'the gateway is restarting; reconnecting…');
    });
    socket.on('confluence.updated', (update) => {
      this.handlers.update(update);
    });
    socket.on('signal.changed', (change) => {
      this.handlers.signal(change);
    });
    socket.on('llm.opinion', (opinion) => {
      this.handlers.opinion(opinion);
    });
  }

  /** The acknowledgement, or null when none came in time. */
  #subscribe(stream: StreamRef): Promise<SubscribeAck | null> {
    return new Promise((resolve) => {
      this.#socket
        .timeout(ACK_TIMEOUT_MS)
        .emit('subscribe', stream, (error: Error | null, ack: SubscribeAck) => {
          resolve(error === null ? ack : null);
        });
    });
  }

  /** One at a time, paced under the gateway's message rate; a rate-limited one is sent again. */
  async #subscribeAll(generation: number): Promise<void> {
    const pending = [...this.#streams];
    let sent = 0;
    while (pending.length > 0 && generation === this.#generation && this.#socket.connected) {
      const stream = pending[0];
      if (stream === undefined) break;
      if (sent >= SUBSCRIBE_BURST) await pause(SUBSCRIBE_SPACING_MS);
      sent += 1;
      const ack = await this.#subscribe(stream);
      if (ack?.ok === false && ack.error.code === 'rate-limited') {
        await pause(1000);
        continue;
      }
      pending.shift();
      if (ack?.ok === true && ack.snapshot !== null && generation === this.#generation)
        this.handlers.snapshot(stream, ack.snapshot);
    }
  }
}
