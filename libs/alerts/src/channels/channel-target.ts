import type { ChannelType, DeliverySettings, NotificationChannel } from '@app/config';

/** A channel ready to deliver: where, with what secret, how. */
export interface ChannelTarget {
  readonly name: string;
  readonly type: ChannelType;
  /** Where deliveries are POSTed: a secret for Telegram (the token), Discord and Slack (the path). */
  readonly url: string;
  /** The webhook's signing secret; null for the other types. */
  readonly signingSecret: string | null;
  /** Telegram's chat; null for the other types. */
  readonly chatId: string | null;
  readonly delivery: DeliverySettings;
  /** Values never to appear in a log line or a recorded error: the token, secret or URL. */
  readonly secrets: readonly string[];
}

/** A channel whose secret the environment lacks: the refusal at boot should have stopped this. */
export class MissingChannelSecretError extends Error {
  constructor(channel: string, variable: string | undefined) {
    super(`channel ${channel}: ${variable ?? 'its secret variable'} is not set`);
    this.name = 'MissingChannelSecretError';
  }
}

/** The channel as configured, with its secret from the environment (by the variable it names). */
export function channelTarget(
  channel: NotificationChannel,
  secretOf: (variable: string) => string | undefined,
): ChannelTarget {
  const required = (variable: string | undefined): string => {
    const value = variable === undefined ? undefined : secretOf(variable);
    if (value === undefined) throw new MissingChannelSecretError(channel.name, variable);
    return value;
  };
  const base = { name: channel.name, type: channel.type, delivery: channel.delivery };
  switch (channel.type) {
    case 'webhook': {
      const secret = required(channel.secretEnv);
      return { ...base, url: channel.url ?? '', signingSecret: secret, chatId: null, secrets: [secret] };
    }
    case 'telegram': {
      const token = required(channel.tokenEnv);
      const url = `${(channel.baseUrl ?? '').replace(/\/+$/, '')}/bot${token}/sendMessage`;
      return { ...base, url, signingSecret: null, chatId: String(channel.chatId), secrets: [token, url] };
    }
    case 'discord':
    case 'slack': {
      const url = required(channel.urlEnv);
      return { ...base, url, signingSecret: null, chatId: null, secrets: [url] };
    }
  }
}

/** A URL as it may be logged: scheme and host only (paths and queries carry tokens). */
export function redactedUrl(url: string): string {
  try {
    const { protocol, host } = new URL(url);
    return `${protocol}//${host}/…`;
  } catch {
    return '(invalid URL)';
  }
}

/** `text` with every secret of the channel masked (longest first, so none is left half-shown). */
export function withoutSecrets(text: string, secrets: readonly string[]): string {
  return [...secrets]
    .filter((secret) => secret.length > 0)
    .sort((a, b) => b.length - a.length)
    .reduce((masked, secret) => masked.split(secret).join('***'), text);
}
