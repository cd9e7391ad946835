import 'reflect-metadata';
import { ServiceName } from '@app/contracts';
import { gatewayStartRefusal } from '@app/gateway/access';
import { bootService } from '@app/platform/boot';

// Only what deciding to start needs is imported here; the modules follow once nothing refuses.
await bootService({
  name: ServiceName.Local,
  refusals: [(config) => gatewayStartRefusal(config.environment)],
  load: async () => (await import('./local.definition.js')).localService,
});
