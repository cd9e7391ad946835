import type { IncomingMessage } from 'node:http';
import { ConnectionsPerIp } from '@app/gateway';

/** The parts of an Engine.IO connection the limit uses. */
export interface EngineConnection {
  readonly remoteAddress: string;
  once(event: 'close', listener: () => void): unknown;
  close(): unknown;
}

/** The parts of the Engine.IO server the limit uses (Socket.IO's `server.engine`). */
export interface EngineEvents {
  on(event: 'connection', listener: (connection: EngineConnection) => void): unknown;
}

/** Engine.IO's `allowRequest` callback: an error message and whether the handshake may go on. */
export type AllowRequestCallback = (error: string | null | undefined, success: boolean) => void;

/**
 * Engine.IO connections per client address, whether or not they ever join a namespace: a client
 * that only opens raw websockets (never sending a Socket.IO CONNECT) would otherwise hold each
 * one until `connectTimeout`, uncounted by the per-IP limit of `/signals` (issue 27). A handshake
 * from an address already at the limit is refused (`allowRequest`: HTTP 403 on polling, 400 on a
 * websocket upgrade, the reason in the body), before any Engine.IO state exists for it. Counting
 * happens on the `connection` event and ends on `close`, so a handshake that fails half-way counts
 * nothing; two handshakes racing past the check are settled there (the later one is closed).
 */
export class EngineConnectionLimit {
  readonly #open: ConnectionsPerIp;

  constructor(
    private readonly limit: number,
    private readonly onRefused: () => void,
  ) {
    this.#open = new ConnectionsPerIp(limit);
  }

  get message(): string {
    return `too many connections from this address (max ${this.limit})`;
  }

  /** For Engine.IO's `allowRequest` option: called for handshakes only (no session id yet). */
  allowRequest(request: IncomingMessage, callback: AllowRequestCallback): void {
    if (this.#open.hasRoom(request.socket.remoteAddress ?? '')) {
      callback(null, true);
      return;
    }
    this.onRefused();
    callback(this.message, false);
  }

  /** Counts every connection of this Engine.IO server from its handshake until it closes. */
  attach(engine: EngineEvents): void {
    engine.on('connection', (connection) => {
      const ip = connection.remoteAddress;
      if (!this.#open.acquire(ip)) {
        this.onRefused();
        connection.close();
        return;
      }
      connection.once('close', () => {
        this.#open.release(ip);
      });
    });
  }

  /** Connections counted now, over every address (tests read it to prove nothing leaks). */
  get total(): number {
    return this.#open.total;
  }
}
