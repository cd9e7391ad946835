import type { Environment } from './environment.js';
import type { MonitoringConfig } from './schema/monitoring.schema.js';
import type { NotificationChannel, NotificationsConfig } from './schema/notifications.schema.js';

/** One secret a channel needs, by the environment variable monitoring.yaml names for it. */
export interface ChannelSecretVariable {
  readonly variable: string;
  readonly what: 'signing secret' | 'bot token' | 'webhook URL';
  /** Why a set value is unusable, or null. Never the value itself. */
  readonly problem: (value: string) => string | null;
}

/** An HMAC key shorter than this is guessable; `openssl rand -hex 32` gives 64 characters. */
export const MIN_SIGNING_SECRET_LENGTH = 16;

const signingSecretProblem = (value: string): string | null =>
  /^[\x21-\x7e]+$/.test(value) && value.length >= MIN_SIGNING_SECRET_LENGTH
    ? null
    : `must be at least ${MIN_SIGNING_SECRET_LENGTH} printable characters without spaces (openssl rand -hex 32)`;

// BotFather's tokens are `<bot id>:<secret>`; loopback test servers accept the same shape.
const botTokenProblem = (value: string): string | null =>
  /^\d{1,20}:[A-Za-z0-9_-]{20,100}$/.test(value)
    ? null
    : 'must be a bot token as BotFather gives it (<id>:<secret>)';

function webhookUrlProblem(value: string): string | null {
  try {
    const url = new URL(value);
    return ['http:', 'https:'].includes(url.protocol) && url.username === '' && url.password === ''
      ? null
      : 'must be an http(s) URL without credentials';
  } catch {
    return 'is not a valid URL';
  }
}

/** The environment variables a channel reads its secrets from. */
export function secretVariablesOf(channel: NotificationChannel): ChannelSecretVariable[] {
  const named = (
    variable: string | undefined,
    what: ChannelSecretVariable['what'],
    problem: ChannelSecretVariable['problem'],
  ) => (variable === undefined ? [] : [{ variable, what, problem }]);
  switch (channel.type) {
    case 'webhook':
      return named(channel.secretEnv, 'signing secret', signingSecretProblem);
    case 'telegram':
      return named(channel.tokenEnv, 'bot token', botTokenProblem);
    case 'discord':
    case 'slack':
      return named(channel.urlEnv, 'webhook URL', webhookUrlProblem);
  }
}

/** The values of the variables the channels name, those set and not blank, by variable name. */
export function readNotificationSecrets(
  env: NodeJS.ProcessEnv,
  notifications: NotificationsConfig,
): Record<string, string> {
  const secrets: Record<string, string> = {};
  for (const channel of notifications.channels)
    for (const { variable } of secretVariablesOf(channel)) {
      const value = env[variable]?.trim();
      if (value !== undefined && value !== '') secrets[variable] = value;
    }
  return secrets;
}

/**
 * Why the alert channels cannot run with this environment: each enabled channel's secret must be
 * set and well-formed (the message names the variable, never its value). Checked by the
 * processes that deliver alerts (the gateway, local mode) before they start: the other apps load
 * the same monitoring.yaml without those variables.
 */
export function notificationSecretProblems(config: {
  readonly monitoring: MonitoringConfig;
  readonly environment: Environment;
}): string[] {
  const { notifications } = config.monitoring;
  if (!notifications.enabled) return [];
  return notifications.channels
    .filter((channel) => channel.enabled)
    .flatMap((channel) =>
      secretVariablesOf(channel).flatMap(({ variable, what, problem }) => {
        const where = `the ${what} of the enabled ${channel.type} channel "${channel.name}" (monitoring.yaml notifications)`;
        const value = config.environment.notificationSecrets[variable];
        if (value === undefined) return [`${variable} is required: ${where}`];
        const wrong = problem(value);
        return wrong === null ? [] : [`${variable} ${wrong}: ${where}`];
      }),
    );
}

/** The refusal of a process that delivers alerts, or null: every problem in one line. */
export function notificationsStartRefusal(config: {
  readonly monitoring: MonitoringConfig;
  readonly environment: Environment;
}): string | null {
  const problems = notificationSecretProblems(config);
  return problems.length === 0 ? null : problems.join('; ');
}
