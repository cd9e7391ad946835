import type { INestApplicationContext } from '@nestjs/common';
import { IoAdapter } from '@nestjs/platform-socket.io';
import type { Server, ServerOptions } from 'socket.io';
import type { AppConfig } from '@app/config';
import { GatewayMetrics } from '@app/gateway';
import { EngineConnectionLimit } from './engine-connection-limit.js';

/**
 * Socket.IO with the settings from app.yaml (heartbeats, message size, CORS allowlist, connections
 * per IP). No cross-replica adapter: every replica hears every update on the bus and emits it to
 * its own sockets (SignalsGateway), so a room never needs to reach another process.
 */
export class SignalsIoAdapter extends IoAdapter {
  constructor(
    private readonly app: INestApplicationContext,
    private readonly config: AppConfig,
  ) {
    super(app);
  }

  override createIOServer(port: number, options?: ServerOptions): Server {
    const { socket, cors } = this.config;
    const metrics = this.app.get(GatewayMetrics);
    // Every Engine.IO connection counts, joined to a namespace or not; /signals still counts its
    // own sockets too (several CONNECTs in one write open several on one connection).
    const limit = new EngineConnectionLimit(socket.maxConnectionsPerIp, () => {
      metrics.socketRejected.inc({ reason: 'connections-per-ip' });
    });
    const server = super.createIOServer(port, {
      ...options,
      pingInterval: socket.pingIntervalMs,
      pingTimeout: socket.pingTimeoutMs,
      // A connection that joins no namespace is closed this long after its handshake.
      connectTimeout: socket.connectTimeoutMs,
      maxHttpBufferSize: socket.maxMessageBytes,
      cors: { origin: [...cors.origins], credentials: cors.credentials },
      allowRequest: (request, callback) => {
        limit.allowRequest(request, callback);
      },
      // Connection-state recovery would replay missed packets from memory only; clients re-subscribe
      // on reconnect and get a fresh snapshot instead (see README, Socket.IO).
      serveClient: false,
    } as ServerOptions);
    limit.attach(server.engine);
    return server;
  }
}
