import { type INestApplicationContext, Logger } from '@nestjs/common';
import { IoAdapter } from '@nestjs/platform-socket.io';
import { createAdapter } from '@socket.io/redis-adapter';
import type { Redis } from 'ioredis';
import type { Server, ServerOptions } from 'socket.io';
import { observePublishes } from '@app/bus';
import type { AppConfig } from '@app/config';
import type { GatewayRedis } from '../ops/gateway-redis.js';
import { errorMessage } from '@app/contracts';

/**
 * Socket.IO with the settings from app.yaml (heartbeats, message size, CORS allowlist) and, when
 * REDIS_URL is set, `@socket.io/redis-adapter`: an emit on any replica reaches the room's
 * subscribers on every replica.
 */
export class SignalsIoAdapter extends IoAdapter {
  readonly #logger = new Logger('socket');

  constructor(
    app: INestApplicationContext,
    private readonly config: AppConfig,
    private readonly redis: GatewayRedis,
  ) {
    super(app);
  }

  override createIOServer(port: number, options?: ServerOptions): Server {
    const { socket, cors } = this.config;
    const server = super.createIOServer(port, {
      ...options,
      pingInterval: socket.pingIntervalMs,
      pingTimeout: socket.pingTimeoutMs,
      maxHttpBufferSize: socket.maxMessageBytes,
      cors: { origin: [...cors.origins], credentials: cors.credentials },
      // Connection-state recovery would replay missed packets from memory only; clients re-subscribe
      // on reconnect and get a fresh snapshot instead (see README, Socket.IO).
      serveClient: false,
    } as ServerOptions);
    if (this.redis.enabled)
      server.adapter(
        createAdapter(this.#publisher(), this.redis.open('socket.io-sub'), {
          key: `${this.redis.keys.prefix}:socket.io`,
        }),
      );
    return server;
  }

  /**
   * The adapter's publishing connection, its failures observed: while Redis is away an emit reaches
   * this replica's sockets only, said once per outage (the adapter itself does not catch them).
   */
  #publisher(): Redis {
    const redis = this.redis.open('socket.io-pub');
    let failing = false;
    redis.on('ready', () => {
      failing = false;
    });
    return observePublishes(redis, (error) => {
      if (failing) return;
      failing = true;
      this.#logger.warn(
        `Socket.IO emits reach this replica's clients only until Redis answers: ${errorMessage(error)}`,
      );
    });
  }
}
