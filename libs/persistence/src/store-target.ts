import { Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { Environment, RuntimeSettings } from '@app/config';
import { EmbeddedMongoServer } from '@app/embedded-mongo';

/** Database name used on the embedded server (a MONGODB_URI names its own). */
export const EMBEDDED_DB = 'confluence';

/** `mongodb://user:secret@host` → `mongodb://user:***@host`, for logs. */
export function maskMongoUri(uri: string): string {
  return uri.replace(/^(mongodb(?:\+srv)?:\/\/)([^:@/]*):([^@/]*)@/i, '$1$2:***@');
}

/**
 * Where the store is: MONGODB_URI when set, else (local mode) an embedded MongoDB-compatible
 * server started here on a random 127.0.0.1 port and stopped with the application.
 */
@Injectable()
export class StoreTarget implements OnApplicationShutdown {
  private readonly logger = new Logger('Store');
  #embedded: { uri: string; stop(): Promise<void> } | null = null;
  #uri: string | null = null;

  constructor(
    private readonly runtime: RuntimeSettings,
    private readonly environment: Environment,
  ) {}

  get uri(): string {
    if (this.#uri === null) throw new Error('StoreTarget.resolve() has not run');
    return this.#uri;
  }

  get embedded(): boolean {
    return this.#embedded !== null;
  }

  async resolve(): Promise<{ uri: string; dbName?: string }> {
    if (this.runtime.store === 'mongodb' && this.environment.mongodbUri !== undefined) {
      this.#uri = this.environment.mongodbUri;
      this.logger.log(`store: MongoDB at ${maskMongoUri(this.#uri)}`);
      return { uri: this.#uri };
    }
    const server = await EmbeddedMongoServer.start({ port: 0 });
    this.#embedded = server;
    this.#uri = server.uri;
    this.logger.warn(
      `store: embedded MongoDB-compatible server at ${server.uri}${EMBEDDED_DB} — in memory, not for production`,
    );
    return { uri: server.uri, dbName: EMBEDDED_DB };
  }

  async onApplicationShutdown(): Promise<void> {
    const server = this.#embedded;
    this.#embedded = null;
    if (server !== null) await server.stop();
  }
}
