import { type BeforeApplicationShutdown, Injectable, Logger } from '@nestjs/common';
import type { ConnectOptions } from 'mongoose';
import { AppConfig } from '@app/config';
import { errorMessage } from '@app/contracts';

/** The part of a mongoose Connection the connector uses. */
export interface OpenableConnection {
  asPromise(): Promise<unknown>;
  openUri(uri: string, options?: ConnectOptions): Promise<unknown>;
}

/**
 * Keeps opening the store connection until it is open. Mongoose connects once when the connection
 * is created and never again if that first attempt fails (a MongoDB still starting, a network
 * blip at boot); with the connection made lazily, the failure was also an unhandled rejection that
 * stopped the process a few seconds after boot. The driver reconnects by itself once a first
 * connection succeeded, so only the first one needs this. Meanwhile reads fail fast, the write
 * path holds and retries, and readiness says the store is down.
 */
@Injectable()
export class StoreConnector implements BeforeApplicationShutdown {
  private readonly logger = new Logger('Store');
  #stopped = false;
  #timer: NodeJS.Timeout | undefined;
  /** Attempts that failed since the last success; 0 once connected. */
  #failures = 0;

  constructor(private readonly app: AppConfig) {}

  get failedAttempts(): number {
    return this.#failures;
  }

  /** Watches the first connect of `connection` (already started) and retries it with capped backoff. */
  watch<C extends OpenableConnection>(connection: C, uri: string, options: ConnectOptions): C {
    const settle = (opening: Promise<unknown>): void => {
      opening.then(
        () => {
          if (this.#failures > 0)
            this.logger.log(`store connected after ${this.#failures} failed attempt(s)`);
          this.#failures = 0;
        },
        (error: unknown) => {
          if (this.#stopped) return;
          this.#failures++;
          const { retryBaseMs, retryMaxMs } = this.app.storage;
          const delayMs = Math.min(retryMaxMs, retryBaseMs * 2 ** Math.min(this.#failures - 1, 30));
          // The first failure and then every tenth, not one line per attempt through a long outage.
          if (this.#failures === 1 || this.#failures % 10 === 0)
            this.logger.warn(
              `store unreachable (${this.#failures} attempt(s)): ${errorMessage(error)}; retrying every ≤${retryMaxMs} ms`,
            );
          this.#timer = setTimeout(() => {
            if (!this.#stopped) settle(connection.openUri(uri, options));
          }, delayMs);
        },
      );
    };
    settle(connection.asPromise());
    return connection;
  }

  beforeApplicationShutdown(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
  }
}
