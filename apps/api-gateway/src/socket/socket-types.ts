import type { Namespace, Socket } from 'socket.io';
import type { SignalsClientEvents, SignalsServerEvents } from '@app/contracts';
import type { TokenBucket } from '@app/gateway';

/** What the gateway keeps on each `/signals` socket (set when the handshake is admitted). */
export interface SocketData {
  ip: string;
  counted: boolean;
  bucket: TokenBucket;
}

export type SignalsSocket = Socket<
  SignalsClientEvents,
  SignalsServerEvents,
  Record<string, never>,
  SocketData
>;
export type SignalsNamespace = Namespace<
  SignalsClientEvents,
  SignalsServerEvents,
  Record<string, never>,
  SocketData
>;
