import type { INestApplication, Type } from '@nestjs/common';
import type { ServiceName } from '@app/contracts';

/**
 * One runnable process: which app modules it hosts. Each app's `main.ts` loads one of these through
 * its `ServiceEntry` (boot.ts), once the configuration is loaded and nothing refuses it.
 */
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
}
