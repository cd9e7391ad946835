import { Logger, type OnApplicationShutdown } from '@nestjs/common';
import { Redis, type RedisOptions } from 'ioredis';
import { type RedisKeys } from './redis/redis-keys.js';

/**
 * The Redis connections of distributed mode (none in local mode), closed with the application.
 * Commands that cannot reach Redis fail after a bounded number of reconnect attempts instead of
 * queueing forever; callers degrade (the worker retries its reads, publishers log).
 */
export class BusConnections implements OnApplicationShutdown {
  readonly #opened: Redis[] = [];
  readonly #logger = new Logger('bus');
  #commands: Redis | null = null;

  constructor(
    private readonly url: string | null,
    readonly keys: RedisKeys,
    readonly streamMaxLength: number,
  ) {}

  get enabled(): boolean {
    return this.url !== null;
  }

  /** The shared commands connection. */
  commands(): Redis {
    this.#commands ??= this.open('commands');
    return this.#commands;
  }

  /** A new connection of its own (subscriber mode, or a blocking reader). */
  open(role: string): Redis {
    if (this.url === null) throw new Error('Redis is not configured (REDIS_URL)');
    const options: RedisOptions = {
      connectionName: `confluence-${role}`,
      maxRetriesPerRequest: 5,
      retryStrategy: (attempt) => Math.min(5_000, 100 * 2 ** Math.min(attempt, 6)),
    };
    const redis = new Redis(this.url, options);
    let down = false;
    redis.on('error', (error: Error) => {
      if (down) return;
      down = true;
      this.#logger.warn(`Redis (${role}) unreachable, reconnecting: ${error.message}`);
    });
    redis.on('ready', () => {
      if (down) this.#logger.log(`Redis (${role}) reachable again`);
      down = false;
    });
    this.#opened.push(redis);
    return redis;
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.allSettled(this.#opened.splice(0).map((redis) => redis.quit()));
  }
}
