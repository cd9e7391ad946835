import type { ServiceName } from '@app/contracts';

/** What this process is: one app, or the local-mode host of all three. */
export class ServiceInfo {
  constructor(
    readonly name: ServiceName,
    /** The apps whose modules this process hosts. */
    readonly hosts: readonly ServiceName[],
    readonly version: string,
  ) {}
}
