import type { INestApplication, Type } from '@nestjs/common';
import type { ConfluenceConfig } from '@app/config';
import type { ServiceName } from '@app/contracts';

/** One runnable process: which app modules it hosts. Each app's `main.ts` runs one of these. */
export interface ServiceDefinition {
  readonly name: ServiceName;
  /** The apps whose modules run in this process (all three in local mode). */
  readonly hosts: readonly ServiceName[];
  readonly modules: readonly Type[];
  /**
   * Application-level set-up a hosted app needs before it listens (the gateway's headers, docs
   * and Socket.IO adapter). Runs after the app is created, before `init`.
   */
  readonly configure?: readonly ((app: INestApplication) => void | Promise<void>)[];
  /**
   * Reasons a configuration must not run this service at all (a production gateway without API
   * keys), each null when it may. Checked as soon as the configuration is loaded: a refused
   * process builds nothing, opens no connection and exits 1.
   */
  readonly refusals?: readonly ((config: ConfluenceConfig) => string | null)[];
}
