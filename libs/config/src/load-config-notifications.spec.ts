import { describe, expect, it } from '@jest/globals';
import { PROJECT_CONFIG_DIR } from '@app/testing';
import { secretValuesOf } from './environment.js';
import { loadConfig } from './load-config.js';
import { notificationSecretProblems, notificationsStartRefusal } from './notification-secrets.js';
import { DELIVERY_DEFAULTS, TELEGRAM_API_URL } from './schema/notifications.schema.js';
import { type BadCase, configDirs, expectBadValueReported, issuesOf } from './testing/config-kit.js';

/** monitoring.yaml `notifications` and the secrets its channels name: what is refused, what is kept. */

const NOTIFICATIONS_HEAD = 'notifications:\n  enabled: true\n';
/** A monitoring.yaml whose notifications are `body` (YAML under `notifications:`). */
const monitoringWith = (body: string): string =>
  `health: { staleAfterIntervals: 3, dependencyTimeoutMs: 2000, storeSlowMs: 500, maxAnalysisLagMs: 5000, exchangeDownAfterFailures: 5 }\nalerts: []\n${NOTIFICATIONS_HEAD}${body}`;

const ONE_WEBHOOK = `  channels:
    - { name: hook, type: webhook, url: 'http://127.0.0.1:9/x', secretEnv: HOOK_SECRET }
`;

const BAD_NOTIFICATIONS: readonly BadCase[] = [
  {
    name: 'a rule naming a channel that is not defined',
    setup: (fx) => {
      fx.write(
        'monitoring.yaml',
        monitoringWith(
          `${ONE_WEBHOOK}  rules:\n    - { name: r, type: label-change, channels: [hook, pager] }\n`,
        ),
      );
    },
    file: 'monitoring.yaml',
    path: 'notifications.rules.0.channels',
    message: /^names the channel "pager", which is not defined \(channels: hook\)$/,
  },
  {
    name: 'a threshold on a label-change rule',
    setup: (fx) => {
      fx.write(
        'monitoring.yaml',
        monitoringWith(
          `${ONE_WEBHOOK}  rules:\n    - { name: r, type: label-change, threshold: 50, channels: [hook] }\n`,
        ),
      );
    },
    file: 'monitoring.yaml',
    path: 'notifications.rules.0.threshold',
    message: /^is only for type score-cross \(this one is label-change\)$/,
  },
  {
    name: 'a score-cross rule without a threshold',
    setup: (fx) => {
      fx.write(
        'monitoring.yaml',
        monitoringWith(`${ONE_WEBHOOK}  rules:\n    - { name: r, type: score-cross, channels: [hook] }\n`),
      );
    },
    file: 'monitoring.yaml',
    path: 'notifications.rules.0.threshold',
    message: /^is required for type score-cross$/,
  },
  {
    name: 'a coverage hysteresis above half the range',
    setup: (fx) => {
      fx.patch('monitoring.yaml', 'level: 0.1\n      hysteresis: 0.05', 'level: 0.1\n      hysteresis: 0.6');
    },
    file: 'monitoring.yaml',
    path: 'notifications.rules.4.hysteresis',
    message: /^must be from 0 to 0\.5$/,
  },
  {
    name: 'a market pattern with an unknown timeframe',
    setup: (fx) => {
      fx.patch('monitoring.yaml', "markets: ['*:*:1m']", "markets: ['binance:BTC/USDT:7m']");
    },
    file: 'monitoring.yaml',
    path: 'notifications.rules.0.markets',
    message: /each timeframe part must be \* or one of 1m/,
  },
  {
    name: 'a market pattern without a timeframe',
    setup: (fx) => {
      fx.patch('monitoring.yaml', "markets: ['*:*:1m']", "markets: ['binance']");
    },
    file: 'monitoring.yaml',
    path: 'notifications.rules.0.markets',
    message: /each entry must be exchange:symbol:timeframe/,
  },
  {
    name: 'a webhook secret in the YAML itself',
    setup: (fx) => {
      fx.patch(
        'monitoring.yaml',
        'secretEnv: ALERT_WEBHOOK_SECRET',
        'secretEnv: ALERT_WEBHOOK_SECRET\n      secret: hunter2',
      );
    },
    file: 'monitoring.yaml',
    path: 'notifications.channels.0.secret',
    message: /looks like a secret; secrets belong in environment variables/,
  },
  {
    name: 'a Discord webhook URL in the YAML instead of its variable',
    setup: (fx) => {
      fx.patch(
        'monitoring.yaml',
        'urlEnv: DISCORD_WEBHOOK_URL',
        'url: https://discord.com/api/webhooks/1/abc',
      );
    },
    file: 'monitoring.yaml',
    path: 'notifications.channels.2.url',
    message: /^is only for type webhook \(this one is discord\)$/,
  },
  {
    name: 'a secret variable that is not UPPER_SNAKE_CASE',
    setup: (fx) => {
      fx.patch('monitoring.yaml', 'tokenEnv: TELEGRAM_BOT_TOKEN', 'tokenEnv: telegram-token');
    },
    file: 'monitoring.yaml',
    path: 'notifications.channels.1.tokenEnv',
    message: /^must name an environment variable$/,
  },
  {
    name: 'a retry base above its cap',
    setup: (fx) => {
      fx.patch(
        'monitoring.yaml',
        'secretEnv: ALERT_WEBHOOK_SECRET',
        'secretEnv: ALERT_WEBHOOK_SECRET\n      delivery: { retryBaseMs: 40000 }',
      );
    },
    file: 'monitoring.yaml',
    path: 'notifications.channels.0.delivery.retryBaseMs',
    message: /^must be less than retryMaxMs \(30000\)$/,
  },
  {
    name: 'two channels of one name',
    setup: (fx) => {
      fx.patch('monitoring.yaml', 'name: telegram', 'name: ops-webhook');
    },
    file: 'monitoring.yaml',
    path: 'notifications.channels',
    message: /must not repeat items \(repeated: ops-webhook\)/,
  },
  {
    name: 'an unknown rule type',
    setup: (fx) => {
      fx.patch('monitoring.yaml', 'type: llm-disagreement', 'type: llm-sulks');
    },
    file: 'monitoring.yaml',
    path: 'notifications.rules.3.type',
    message: /must be one of the following values: score-cross, label-change/,
  },
];

describe('loadConfig: monitoring.yaml notifications', () => {
  const configDir = configDirs();

  it.each(BAD_NOTIFICATIONS)('refuses $name', (bad) => {
    expectBadValueReported(issuesOf(configDir(bad.setup)), bad);
  });

  it('fills each channel and rule with its defaults, and reads only the variables the channels name', () => {
    const config = loadConfig({
      env: {
        CONFIG_DIR: PROJECT_CONFIG_DIR,
        ALERT_WEBHOOK_SECRET: '  0123456789abcdef0123  ',
        DISCORD_WEBHOOK_URL: '',
        UNRELATED_SECRET: 'not read',
      },
    });
    const { channels, rules } = config.monitoring.notifications;

    expect(channels.map((channel) => [channel.name, channel.enabled, channel.delivery])).toEqual(
      ['ops-webhook', 'telegram', 'discord', 'slack'].map((name) => [name, false, DELIVERY_DEFAULTS]),
    );
    expect(channels[1]).toMatchObject({ baseUrl: TELEGRAM_API_URL, chatId: '-1001234567890' });
    expect(rules.find((rule) => rule.name === 'label-changes')).toMatchObject({ enabled: true, markets: [] });
    expect(rules.find((rule) => rule.name === 'strong-score')).toMatchObject({
      direction: 'up',
      hysteresis: 5,
    });
    // Trimmed, blank ones left out, the rest never read; each is masked in logs.
    expect(config.environment.notificationSecrets).toEqual({ ALERT_WEBHOOK_SECRET: '0123456789abcdef0123' });
    expect(secretValuesOf(config.environment)).toContain('0123456789abcdef0123');
  });
});

describe('notificationsStartRefusal', () => {
  const configDir = configDirs();
  /** Every shipped channel enabled. */
  const allEnabled = () =>
    configDir((fx) => {
      for (let i = 0; i < 4; i++) fx.patch('monitoring.yaml', 'enabled: false', 'enabled: true');
    });

  it('lets the shipped configuration (every channel disabled) start without any alert secret', () => {
    expect(notificationsStartRefusal(loadConfig({ env: { CONFIG_DIR: PROJECT_CONFIG_DIR } }))).toBeNull();
  });

  it('names every missing variable of an enabled channel, and never a value', () => {
    const config = loadConfig({
      env: { CONFIG_DIR: allEnabled(), TELEGRAM_BOT_TOKEN: 'not-a-token-at-all' },
    });

    expect(notificationSecretProblems(config)).toEqual([
      'ALERT_WEBHOOK_SECRET is required: the signing secret of the enabled webhook channel "ops-webhook" (monitoring.yaml notifications)',
      'TELEGRAM_BOT_TOKEN must be a bot token as BotFather gives it (<id>:<secret>): the bot token of the enabled telegram channel "telegram" (monitoring.yaml notifications)',
      'DISCORD_WEBHOOK_URL is required: the webhook URL of the enabled discord channel "discord" (monitoring.yaml notifications)',
      'SLACK_WEBHOOK_URL is required: the webhook URL of the enabled slack channel "slack" (monitoring.yaml notifications)',
    ]);
    expect(notificationsStartRefusal(config)).not.toContain('not-a-token-at-all');
  });

  it('refuses a short signing secret and a webhook URL with credentials, and accepts good values', () => {
    const dir = allEnabled();
    const good = {
      ALERT_WEBHOOK_SECRET: 'f'.repeat(64),
      TELEGRAM_BOT_TOKEN: '123456:AAbbCCddEEffGGhhIIjjKKll',
      DISCORD_WEBHOOK_URL: 'https://discord.com/api/webhooks/1/token',
      SLACK_WEBHOOK_URL: 'https://hooks.slack.com/services/T/B/x',
    };

    expect(notificationsStartRefusal(loadConfig({ env: { CONFIG_DIR: dir, ...good } }))).toBeNull();
    expect(
      notificationSecretProblems(
        loadConfig({
          env: {
            CONFIG_DIR: dir,
            ...good,
            ALERT_WEBHOOK_SECRET: 'short',
            SLACK_WEBHOOK_URL: 'ftp://u:p@x/y',
          },
        }),
      ).map((problem) => problem.split(':')[0]),
    ).toEqual([
      'ALERT_WEBHOOK_SECRET must be at least 16 printable characters without spaces (openssl rand -hex 32)',
      'SLACK_WEBHOOK_URL must be an http(s) URL without credentials',
    ]);
  });

  it('asks for nothing while notifications are off', () => {
    const dir = configDir((fx) => {
      fx.patch('monitoring.yaml', 'notifications:\n  enabled: true', 'notifications:\n  enabled: false');
      fx.patch('monitoring.yaml', 'enabled: false', 'enabled: true');
    });

    expect(notificationsStartRefusal(loadConfig({ env: { CONFIG_DIR: dir } }))).toBeNull();
  });
});
