import type { Type } from '@nestjs/common';
import type { ServiceName } from '@app/contracts';

/** One runnable process: which app modules it hosts. Each app's `main.ts` runs one of these. */
export interface ServiceDefinition {
  readonly name: ServiceName;
  /** The apps whose modules run in this process (all three in local mode). */
  readonly hosts: readonly ServiceName[];
  readonly modules: readonly Type[];
}
