import type { INestApplicationContext } from '@nestjs/common';
import { IoAdapter } from '@nestjs/platform-socket.io';
import type { Server, ServerOptions } from 'socket.io';
import type { AppConfig } from '@app/config';

/**
 * Socket.IO with the settings from app.yaml (heartbeats, message size, CORS allowlist). No
 * cross-replica adapter: every replica hears every update on the bus and emits it to its own
 * sockets (SignalsGateway), so a room never needs to reach another process.
 */
export class SignalsIoAdapter extends IoAdapter {
  constructor(
    app: INestApplicationContext,
    private readonly config: AppConfig,
  ) {
    super(app);
  }

  override createIOServer(port: number, options?: ServerOptions): Server {
    const { socket, cors } = this.config;
    return super.createIOServer(port, {
      ...options,
      pingInterval: socket.pingIntervalMs,
      pingTimeout: socket.pingTimeoutMs,
      maxHttpBufferSize: socket.maxMessageBytes,
      cors: { origin: [...cors.origins], credentials: cors.credentials },
      // Connection-state recovery would replay missed packets from memory only; clients re-subscribe
      // on reconnect and get a fresh snapshot instead (see README, Socket.IO).
      serveClient: false,
    } as ServerOptions);
  }
}
