import { Injectable } from '@nestjs/common';
import type { Namespace } from 'socket.io';

/** Counts of this replica's `/signals` namespace, for metrics (filled in when the gateway starts). */
@Injectable()
export class SocketRegistry {
  #namespace: Namespace | null = null;

  attach(namespace: Namespace): void {
    this.#namespace = namespace;
  }

  stats(): { connections: number; subscriptions: number; rooms: number } {
    const namespace = this.#namespace;
    if (namespace === null) return { connections: 0, subscriptions: 0, rooms: 0 };
    let subscriptions = 0;
    for (const socket of namespace.sockets.values()) subscriptions += Math.max(0, socket.rooms.size - 1);
    let rooms = 0;
    // Every socket also sits in a room named by its id; market rooms are the others.
    for (const room of namespace.adapter.rooms.keys()) if (!namespace.adapter.sids.has(room)) rooms += 1;
    return { connections: namespace.sockets.size, subscriptions, rooms };
  }

  /** Engine.IO connections of the whole server, in a namespace or not (tests read it to find leaks). */
  engineConnections(): number {
    return this.#namespace?.server.engine.clientsCount ?? 0;
  }
}
