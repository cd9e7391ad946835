import { loadConfig, type MonitoringConfig, type NotificationsConfig } from '@app/config';
// By path: the @app/testing barrel loads mongoose and the fakes, which these specs do not need.
import { createConfigFixture } from '../../../testing/src/config-fixture.js';

const HEALTH =
  'health: { staleAfterIntervals: 3, dependencyTimeoutMs: 2000, storeSlowMs: 500, maxAnalysisLagMs: 5000, exchangeDownAfterFailures: 5 }\nalerts: []\n';

export interface LoadedNotifications {
  readonly monitoring: MonitoringConfig;
  readonly notifications: NotificationsConfig;
  /** Environment.notificationSecrets: what the channels' variables hold. */
  readonly secrets: Readonly<Record<string, string>>;
  readonly secretOf: (variable: string) => string | undefined;
}

/**
 * `notifications` as loadConfig validates and fills it, from the YAML under `notifications:` in an
 * otherwise shipped config directory, with `env` as the environment: the specs run on exactly
 * what the gateway would, defaults included.
 */
export function loadNotifications(
  body: string,
  env: Readonly<Record<string, string>> = {},
): LoadedNotifications {
  const fixture = createConfigFixture({ 'monitoring.yaml': `${HEALTH}notifications:\n${body}` });
  try {
    const config = loadConfig({ env: { CONFIG_DIR: fixture.dir, ...env } });
    const secrets = config.environment.notificationSecrets;
    return {
      monitoring: config.monitoring,
      notifications: config.monitoring.notifications,
      secrets,
      secretOf: (variable) => secrets[variable],
    };
  } finally {
    fixture.cleanup();
  }
}
