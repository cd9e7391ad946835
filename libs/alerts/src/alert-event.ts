import type { NotificationRuleType } from '@app/config';
import type { Timeframe } from '@app/contracts';

/** What an alert is about: a stream, or a whole exchange (symbol and timeframe null). */
export interface AlertMarket {
  readonly exchange: string;
  readonly symbol: string | null;
  readonly timeframe: Timeframe | null;
}

export type AlertFact = string | number | boolean | null;

/** A rule that fired: what every channel renders in its own format. */
export interface AlertEvent {
  readonly rule: string;
  readonly type: NotificationRuleType;
  readonly market: AlertMarket;
  /**
   * What the rule saw (`above`, `NEUTRAL→LONG`, `stale`, ...): the same rule, market and state
   * within a channel's dedupe window is one delivery.
   */
  readonly state: string;
  /** One line: market, what happened, the value. */
  readonly title: string;
  /** A sentence or two for people. */
  readonly text: string;
  /** The values behind it, for machines (the webhook body) and for chat fields. */
  readonly facts: Readonly<Record<string, AlertFact>>;
  /** When it fired (ms, the gateway's clock). */
  readonly firedAt: number;
  /** The channels its rule names. */
  readonly channels: readonly string[];
}

/** `binance BTC/USDT 1m`, or `binance` for an exchange. */
export function marketLabel(market: AlertMarket): string {
  return [market.exchange, market.symbol, market.timeframe].filter((part) => part !== null).join(' ');
}

/** The market part of a dedupe key: `binance:BTC/USDT:1m`, `binance:*:*` for an exchange. */
export function marketKey(market: AlertMarket): string {
  return `${market.exchange}:${market.symbol ?? '*'}:${market.timeframe ?? '*'}`;
}
