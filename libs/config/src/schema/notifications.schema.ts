import { Type } from 'class-transformer';
import {
  ArrayNotEmpty,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  Matches,
  Max,
  Min,
  registerDecorator,
  type ValidationArguments,
  ValidateNested,
} from 'class-validator';
import { Signal, TIMEFRAMES } from '@app/contracts';
import type { ConfigShape } from '../config.types.js';
import { isPlainObject, type PlainObject } from '../deep.js';
import { HasUniqueItems, IsLessThanProperty } from '../rules.js';

/*
 * monitoring.yaml `notifications`: the gateway's alert rules and the channels they are sent to
 * (README, "Alerts"). Tuning only: every secret (webhook signing secret, bot token, webhook URLs
 * of Discord and Slack) is named here by its environment variable and read from the environment.
 */

export const CHANNEL_TYPES = ['webhook', 'telegram', 'discord', 'slack'] as const;
export type ChannelType = (typeof CHANNEL_TYPES)[number];

export const NOTIFICATION_RULE_TYPES = [
  'score-cross',
  'label-change',
  'llm-disagreement',
  'coverage-below',
  'stale',
  'exchange-down',
] as const;
export type NotificationRuleType = (typeof NOTIFICATION_RULE_TYPES)[number];

export const CROSS_DIRECTIONS = ['up', 'down', 'both'] as const;
export type CrossDirection = (typeof CROSS_DIRECTIONS)[number];

const NAME = /^[a-z][a-z0-9-]{0,62}$/;
const NAME_MESSAGE = 'must be lowercase kebab-case, such as ops-webhook';
const ENV_NAME = /^[A-Z][A-Z0-9_]{0,127}$/;
/** An http(s) URL without credentials (a password in a URL is refused before this, as everywhere). */
const HTTP_URL = /^https?:\/\/[^\s/@]+(\/[^\s@]*)?$/;
/**
 * `exchange:symbol:timeframe`, each part a name or a glob (`*` matches anything): `binance:BTC/USDT:1m`,
 * `binance:*:5m`, `*:*:*`. The symbol may hold a colon (`BTC/USDT:USDT`): the exchange is the first
 * part, the timeframe the last.
 */
export const MARKET_PATTERN = /^([a-z0-9*]{1,40}):([A-Z0-9*/:]{1,60}):([0-9a-z*]{1,4})$/;
const MARKET_MESSAGE =
  'each entry must be exchange:symbol:timeframe, `*` matching anything (binance:BTC/USDT:1m, binance:*:*)';
const TIMEFRAME_PARTS: readonly string[] = ['*', ...TIMEFRAMES];
const LABELS: readonly string[] = Object.values(Signal);

interface TypedFieldOptions {
  /** The `type` values this field belongs to; for any other type it must be left out. */
  readonly types: readonly string[];
  readonly check: (value: unknown, object: PlainObject) => boolean;
  /** What a valid value is (the message of a bad one). */
  readonly message: string | ((object: PlainObject) => string);
  /** May be left out for its types too. */
  readonly optional?: boolean;
}

/**
 * A field of some channel or rule types only: required (unless optional) and checked for those,
 * refused for the others, so a `threshold` on a label-change rule is named rather than ignored.
 */
function TypedField(options: TypedFieldOptions): PropertyDecorator {
  return (target: object, propertyName: string | symbol) => {
    registerDecorator({
      name: 'typedField',
      target: target.constructor,
      propertyName: String(propertyName),
      validator: {
        validate(value: unknown, args: ValidationArguments): boolean {
          const object = args.object as PlainObject;
          if (!options.types.includes(String(object.type))) return value === undefined;
          if (value === undefined) return options.optional === true;
          return options.check(value, object);
        },
        defaultMessage(args: ValidationArguments): string {
          const object = args.object as PlainObject;
          if (!options.types.includes(String(object.type)))
            return `is only for type ${options.types.join(' or ')} (this one is ${String(object.type)})`;
          if (args.value === undefined) return `is required for type ${String(object.type)}`;
          return typeof options.message === 'string' ? options.message : options.message(object);
        },
      },
    });
  };
}

const matches = (pattern: RegExp) => (value: unknown) => typeof value === 'string' && pattern.test(value);
const numberIn = (min: number, max: number) => (value: unknown) =>
  typeof value === 'number' && Number.isFinite(value) && value >= min && value <= max;

/** How one channel delivers: timeout, retries, dedupe window, rate limit and queue. */
export class ChannelRateLimit {
  @IsInt() @Min(1) @Max(10_000) readonly limit!: number;
  @IsInt() @Min(1) @Max(86_400) readonly perSeconds!: number;
}

export class DeliverySettings {
  /** One attempt's time limit (connect, send, answer). */
  @IsInt() @Min(100) @Max(120_000) readonly timeoutMs!: number;
  /** Attempts per delivery, the first included; 5xx, 429, timeouts and network errors are retried. */
  @IsInt() @Min(1) @Max(20) readonly maxAttempts!: number;
  /** Backoff between attempts: exponential from base to cap, full jitter. */
  @IsInt() @Min(10) @Max(60_000) @IsLessThanProperty('retryMaxMs') readonly retryBaseMs!: number;
  @IsInt() @Min(20) @Max(3_600_000) readonly retryMaxMs!: number;
  /** The same rule, market and state again within this many seconds is recorded `deduped`, not sent. */
  @IsInt() @Min(0) @Max(86_400) readonly dedupeSeconds!: number;
  /** Deliveries accepted per window; past it they are recorded `rate-limited`, not sent. */
  @ValidateNested() @Type(() => ChannelRateLimit) readonly rateLimit!: ChannelRateLimit;
  /** Deliveries waiting their turn; past it they are recorded `dropped` and counted. */
  @IsInt() @Min(1) @Max(10_000) readonly queueSize!: number;
}

export class NotificationChannel {
  @Matches(NAME, { message: NAME_MESSAGE }) readonly name!: string;
  @IsIn(CHANNEL_TYPES) readonly type!: ChannelType;
  @IsBoolean() readonly enabled!: boolean;
  /** webhook: where the signed JSON is POSTed. */
  @TypedField({
    types: ['webhook'],
    check: matches(HTTP_URL),
    message: 'must be an http(s) URL without credentials',
  })
  readonly url?: string;
  /** webhook: the variable holding the HMAC-SHA256 signing secret. */
  @TypedField({ types: ['webhook'], check: matches(ENV_NAME), message: 'must name an environment variable' })
  readonly secretEnv?: string;
  /** telegram: the variable holding the bot token. */
  @TypedField({ types: ['telegram'], check: matches(ENV_NAME), message: 'must name an environment variable' })
  readonly tokenEnv?: string;
  /** telegram: the chat (a numeric id, negative for groups, or @channelusername). */
  @TypedField({
    types: ['telegram'],
    check: (value) =>
      (typeof value === 'number' && Number.isSafeInteger(value)) ||
      matches(/^(-?\d{1,20}|@[A-Za-z][A-Za-z0-9_]{4,31})$/)(value),
    message: 'must be a chat id (an integer) or @channelusername',
  })
  readonly chatId?: string | number;
  /** telegram: the Bot API's base URL (a loopback server in tests). */
  @TypedField({
    types: ['telegram'],
    check: matches(HTTP_URL),
    message: 'must be an http(s) URL without credentials',
  })
  readonly baseUrl?: string;
  /** discord, slack: the variable holding the webhook URL (its path is the credential). */
  @TypedField({
    types: ['discord', 'slack'],
    check: matches(ENV_NAME),
    message: 'must name an environment variable',
  })
  readonly urlEnv?: string;
  @ValidateNested() @Type(() => DeliverySettings) readonly delivery!: DeliverySettings;
}

export class NotificationRule {
  @Matches(NAME, { message: NAME_MESSAGE }) readonly name!: string;
  @IsIn(NOTIFICATION_RULE_TYPES) readonly type!: NotificationRuleType;
  @IsBoolean() readonly enabled!: boolean;
  /** exchange:symbol:timeframe patterns; empty: every market. exchange-down reads the exchange part. */
  @IsArray()
  @Matches(MARKET_PATTERN, { each: true, message: MARKET_MESSAGE })
  @HasUniqueItems()
  @HasKnownTimeframePart()
  readonly markets!: readonly string[];
  /** Names of channels in `channels` (each must exist). */
  @IsArray()
  @ArrayNotEmpty()
  @Matches(NAME, { each: true, message: 'each channel must be a channel name' })
  @HasUniqueItems()
  readonly channels!: readonly string[];
  /** score-cross: the score (0–100) whose crossing fires. */
  @TypedField({ types: ['score-cross'], check: numberIn(0, 100), message: 'must be a score from 0 to 100' })
  readonly threshold?: number;
  /** score-cross: which crossings fire. */
  @TypedField({
    types: ['score-cross'],
    check: (value) => CROSS_DIRECTIONS.includes(value as CrossDirection),
    message: `must be one of ${CROSS_DIRECTIONS.join(', ')}`,
  })
  readonly direction?: CrossDirection;
  /**
   * score-cross (points), coverage-below (share): how far back across the threshold the value must
   * go before the rule can fire again, so a value hovering at it fires once.
   */
  @TypedField({
    types: ['score-cross', 'coverage-below'],
    check: (value, object) => numberIn(0, object.type === 'score-cross' ? 50 : 0.5)(value),
    message: (object) =>
      object.type === 'score-cross' ? 'must be from 0 to 50 (score points)' : 'must be from 0 to 0.5',
  })
  readonly hysteresis?: number;
  /** coverage-below: the share of weight with data (0–1) under which it fires. */
  @TypedField({
    types: ['coverage-below'],
    check: (value) => numberIn(0, 1)(value) && value !== 0,
    message: 'must be a share above 0 and at most 1',
  })
  readonly level?: number;
  /** label-change: only changes to these labels fire (default: any change). */
  @TypedField({
    types: ['label-change'],
    optional: true,
    check: (value) =>
      Array.isArray(value) &&
      value.length > 0 &&
      value.every((label) => LABELS.includes(label as string)) &&
      new Set(value).size === value.length,
    message: `must list distinct labels among ${LABELS.join(', ')}`,
  })
  readonly to?: readonly Signal[];
  /** stale, exchange-down: seconds without a closed candle (a stream's; every stream of the exchange). */
  @TypedField({
    types: ['stale', 'exchange-down'],
    check: (value) => Number.isInteger(value) && numberIn(1, 604_800)(value),
    message: 'must be an integer number of seconds from 1 to 604800',
  })
  readonly afterSeconds?: number;
}

/** The timeframe part of each market pattern is `*` or a known timeframe. */
function HasKnownTimeframePart(): PropertyDecorator {
  return (target: object, propertyName: string | symbol) => {
    registerDecorator({
      name: 'hasKnownTimeframePart',
      target: target.constructor,
      propertyName: String(propertyName),
      validator: {
        validate(value: unknown): boolean {
          if (!Array.isArray(value)) return true;
          return value.every((entry) => {
            const timeframe = typeof entry === 'string' ? MARKET_PATTERN.exec(entry)?.[3] : undefined;
            // Malformed entries are reported by the pattern check.
            return timeframe === undefined || TIMEFRAME_PARTS.includes(timeframe);
          });
        },
        defaultMessage(): string {
          return `each timeframe part must be * or one of ${TIMEFRAMES.join(', ')}`;
        },
      },
    });
  };
}

export class NotificationsConfig {
  /** Off: no rule is evaluated and nothing is sent (GET /v1/alerts answers an empty list). */
  @IsBoolean() readonly enabled!: boolean;
  /** Deliveries GET /v1/alerts remembers (this replica, since it started), newest first. */
  @IsInt() @Min(10) @Max(100_000) readonly historySize!: number;
  /** How often the stale and exchange-down rules look at the streams' ages. */
  @IsInt() @Min(1) @Max(3_600) readonly freshnessCheckSeconds!: number;
  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => NotificationChannel)
  @HasUniqueItems((item) => (item as Partial<NotificationChannel> | null)?.name)
  readonly channels!: readonly NotificationChannel[];
  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => NotificationRule)
  @HasUniqueItems((item) => (item as Partial<NotificationRule> | null)?.name)
  readonly rules!: readonly NotificationRule[];
}

export const DELIVERY_DEFAULTS: ConfigShape<DeliverySettings> = {
  timeoutMs: 5_000,
  maxAttempts: 4,
  retryBaseMs: 1_000,
  retryMaxMs: 30_000,
  dedupeSeconds: 300,
  rateLimit: { limit: 30, perSeconds: 60 },
  queueSize: 100,
};

export const TELEGRAM_API_URL = 'https://api.telegram.org';

export const NOTIFICATIONS_DEFAULTS: ConfigShape<NotificationsConfig> = {
  enabled: true,
  historySize: 500,
  freshnessCheckSeconds: 10,
  channels: [],
  rules: [],
};

/** Defaults a rule of each type takes for what it leaves out. */
const RULE_TYPE_DEFAULTS: Readonly<Record<string, PlainObject>> = {
  'score-cross': { direction: 'both', hysteresis: 2 },
  'coverage-below': { hysteresis: 0.05 },
};

/**
 * Fills the per-item defaults of channels and rules (a plain merge cannot reach list items):
 * each channel's `delivery` over DELIVERY_DEFAULTS, `enabled: true`, Telegram's base URL; each
 * rule's `enabled: true`, `markets: []` and its type's defaults.
 */
export function withNotificationDefaults(
  notifications: unknown,
  merge: (base: unknown, overlay: unknown) => unknown,
): unknown {
  if (!isPlainObject(notifications)) return notifications;
  const { channels, rules } = notifications;
  return {
    ...notifications,
    ...(Array.isArray(channels)
      ? {
          channels: channels.map((item: unknown) =>
            isPlainObject(item)
              ? merge(
                  {
                    enabled: true,
                    delivery: DELIVERY_DEFAULTS,
                    ...(item.type === 'telegram' ? { baseUrl: TELEGRAM_API_URL } : {}),
                  },
                  item,
                )
              : item,
          ),
        }
      : {}),
    ...(Array.isArray(rules)
      ? {
          rules: rules.map((item: unknown) =>
            isPlainObject(item)
              ? merge({ enabled: true, markets: [], ...RULE_TYPE_DEFAULTS[String(item.type)] }, item)
              : item,
          ),
        }
      : {}),
  };
}

/** Cross-field rule: every channel a rule names is defined. Paths relative to `notifications`. */
export function notificationReferenceIssues(
  notifications: NotificationsConfig,
): { path: (string | number)[]; message: string }[] {
  const defined = notifications.channels.map((channel) => channel.name);
  return notifications.rules.flatMap((rule, index) =>
    rule.channels
      .filter((name) => !defined.includes(name))
      .map((name) => ({
        path: ['rules', index, 'channels'],
        message: `names the channel "${name}", which is not defined (channels: ${defined.join(', ') || 'none'})`,
      })),
  );
}
