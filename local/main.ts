import 'reflect-metadata';
import { notificationsStartRefusal } from '@app/config/core';
import { ServiceName } from '@app/contracts';
import { gatewayStartRefusal } from '@app/gateway/access';
import { bootService } from '@app/platform/boot';

// Only what deciding to start needs is imported here; the modules follow once nothing refuses.
await bootService({
  name: ServiceName.Local,
  // Alerts are delivered here, so their channels' secrets are required here (not by the other apps).
  refusals: [(config) => gatewayStartRefusal(config.environment), notificationsStartRefusal],
  load: async () => (await import('./local.definition.js')).localService,
});
