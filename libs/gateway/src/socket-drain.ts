import { type ServerShutdownNotice, SocketEventName } from '@app/contracts';

/** A replica's clients are told to reconnect over this long, evenly spread, not all at once. */
export const RECONNECT_SPREAD_MS = 2_000;

/** What the drain uses of a Socket.IO server-side socket. */
export interface DrainableSocket {
  emit(event: typeof SocketEventName.ServerShutdown, notice: ServerShutdownNotice): unknown;
  /** The Engine.IO connection: closing it flushes what was emitted first, then closes the transport. */
  readonly conn: { close(): unknown };
}

/** The wait of the `index`-th of `count` sockets: 0 for the first, evenly up to under the spread. */
export function reconnectDelay(index: number, count: number, spreadMs = RECONNECT_SPREAD_MS): number {
  return count <= 1 ? 0 : Math.floor((index * spreadMs) / count);
}

/**
 * The Socket.IO side of a gateway's stop (the HTTP drain calls it once the listener is closed):
 * each socket gets `server.shutdown` ({ reason, retryAfterMs }), then its connection is closed.
 * Closing the transport rather than disconnecting the socket is deliberate: socket.io-client
 * reconnects by itself on `transport close` (not on `io server disconnect`), which a balancer
 * gives another replica. A socket that connects after (its handshake was already on its way) is
 * told and closed at once (`admit`).
 */
export class SocketDrain {
  #closing = false;

  get closing(): boolean {
    return this.#closing;
  }

  /** Tells and closes every socket; returns how many. */
  close(sockets: Iterable<DrainableSocket>): number {
    this.#closing = true;
    const all = [...sockets];
    all.forEach((socket, index) => {
      this.#tell(socket, reconnectDelay(index, all.length));
    });
    return all.length;
  }

  /** A socket that just connected: once the drain has begun, told and closed at once. */
  admit(socket: DrainableSocket): void {
    if (this.#closing) this.#tell(socket, 0);
  }

  #tell(socket: DrainableSocket, retryAfterMs: number): void {
    socket.emit(SocketEventName.ServerShutdown, { reason: 'shutdown', retryAfterMs });
    socket.conn.close();
  }
}
