import type { NotificationRule } from '@app/config';
import { type StreamRef, streamRoom } from '@app/contracts';
import type { AlertEvent } from './alert-event.js';
import {
  coverageLow,
  exchangeDown,
  labelChanged,
  opinionDisagrees,
  scoreCrossed,
  streamStale,
} from './alert-text.js';
import { MarketMatcher } from './market-matcher.js';
import type { LabelChange, OpinionObservation, ResultObservation, StreamAge } from './observations.js';

type ObservationKind = 'result' | 'change' | 'opinion';

interface CompiledRule {
  readonly rule: NotificationRule;
  readonly markets: MarketMatcher;
}

/** The numeric setting a rule of its type is validated to have (monitoring.yaml). */
function setting(rule: NotificationRule, value: number | undefined): number {
  if (value === undefined)
    throw new Error(`rule ${rule.name} (${rule.type}) lacks a setting its type requires`);
  return value;
}

/**
 * The alert rules over what the gateway hears (plain TypeScript: no I/O, time from the caller).
 * Every rule fires once per crossing, never once per observation:
 * - score-cross: a Schmitt trigger per stream. Up fires when the score reaches the threshold from
 *   below and arms again only once it is back under threshold − hysteresis; down fires when it
 *   drops under the threshold and arms again at threshold + hysteresis. A stream's first result
 *   only says which side it starts on (no crossing was seen).
 * - coverage-below, stale, exchange-down: conditions; each fires when it starts to hold (at the
 *   first observation too) and again only after it stopped holding (coverage back at level +
 *   hysteresis, a candle within afterSeconds).
 * - label-change: every change of a stream's label (not its first label); llm-disagreement: every
 *   opinion that disagrees with the engine, once per result.
 * Results, changes and opinions older than the last one seen of their stream are ignored
 * (redelivered messages).
 */
export class AlertRuleEngine {
  readonly #rules: readonly CompiledRule[];
  /** Whether each trigger (rule + direction + stream or exchange) may fire. */
  readonly #armed = new Map<string, boolean>();
  readonly #lastScore = new Map<string, number>();
  /** The newest candle time seen of each stream, per kind of observation. */
  readonly #seen: Readonly<Record<ObservationKind, Map<string, number>>> = {
    result: new Map(),
    change: new Map(),
    opinion: new Map(),
  };
  readonly #startedAt: number;

  constructor(
    rules: readonly NotificationRule[],
    private readonly fire: (event: AlertEvent) => void,
    private readonly now: () => number,
  ) {
    this.#rules = rules
      .filter((rule) => rule.enabled)
      .map((rule) => ({ rule, markets: new MarketMatcher(rule.markets) }));
    this.#startedAt = now();
  }

  /** A stream's result (candle results only: refreshes between closes are not scored again here). */
  result(result: ResultObservation): void {
    const room = streamRoom(result);
    if (!this.#isNew('result', room, result.candleTime)) return;
    const previous = this.#lastScore.get(room) ?? null;
    this.#lastScore.set(room, result.score);
    for (const { rule, markets } of this.#rules) {
      if (!markets.matches(result)) continue;
      if (rule.type === 'score-cross') this.#scoreCross(rule, result, previous, room);
      else if (rule.type === 'coverage-below') {
        const level = setting(rule, rule.level);
        const hysteresis = rule.hysteresis ?? 0;
        if (
          this.#trigger(
            `${rule.name}|${room}`,
            true,
            result.coverage < level,
            result.coverage >= level + hysteresis,
          )
        )
          this.fire(coverageLow(rule, level, result, this.now()));
      }
    }
  }

  labelChanged(change: LabelChange): void {
    if (change.from === null || change.from === change.to) return;
    if (!this.#isNew('change', streamRoom(change), change.time)) return;
    const from = change.from;
    for (const { rule, markets } of this.#rules)
      if (rule.type === 'label-change' && markets.matches(change) && (rule.to?.includes(change.to) ?? true))
        this.fire(labelChanged(rule, { ...change, from }, this.now()));
  }

  opinion(seen: OpinionObservation): void {
    if (seen.opinion.status !== 'ok' || seen.opinion.agrees !== false) return;
    if (!this.#isNew('opinion', streamRoom(seen), seen.candleTime)) return;
    for (const { rule, markets } of this.#rules)
      if (rule.type === 'llm-disagreement' && markets.matches(seen))
        this.fire(opinionDisagrees(rule, seen, this.now()));
  }

  /**
   * The streams' ages, looked at periodically: stale streams and exchanges with no fresh stream.
   * A stream that has had no candle yet counts from when the rules started.
   */
  freshness(ages: readonly StreamAge[]): void {
    const now = this.now();
    const sinceStart = Math.max(0, now - this.#startedAt) / 1000;
    const aged = ages.map(({ stream, ageSeconds }) => ({ stream, age: ageSeconds ?? sinceStart }));
    for (const { rule, markets } of this.#rules) {
      if (rule.type === 'stale') {
        const after = setting(rule, rule.afterSeconds);
        for (const { stream, age } of aged)
          if (
            markets.matches(stream) &&
            this.#trigger(`${rule.name}|${streamRoom(stream)}`, true, age > after, age <= after)
          )
            this.fire(streamStale(rule, after, stream, age, now));
      } else if (rule.type === 'exchange-down') {
        const after = setting(rule, rule.afterSeconds);
        for (const [exchange, streams] of byExchange(aged)) {
          if (!markets.matchesExchange(exchange)) continue;
          const youngest = Math.min(...streams.map(({ age }) => age));
          if (this.#trigger(`${rule.name}|${exchange}`, true, youngest > after, youngest <= after))
            this.fire(exchangeDown(rule, after, exchange, streams.length, youngest, now));
        }
      }
    }
  }

  #scoreCross(
    rule: NotificationRule,
    result: ResultObservation,
    previous: number | null,
    room: string,
  ): void {
    const threshold = setting(rule, rule.threshold);
    const hysteresis = rule.hysteresis ?? 0;
    const { score } = result;
    const direction = rule.direction ?? 'both';
    // Each direction is its own trigger, armed only from hysteresis beyond the threshold on the
    // other side: a score wandering around the threshold fires once, not on every wobble.
    if (
      direction !== 'down' &&
      this.#trigger(
        `${rule.name}|up|${room}`,
        score < threshold,
        score >= threshold,
        score < threshold - hysteresis,
      )
    )
      this.fire(scoreCrossed(rule, threshold, result, previous, 'up', this.now()));
    if (
      direction !== 'up' &&
      this.#trigger(
        `${rule.name}|down|${room}`,
        score >= threshold,
        score < threshold,
        score >= threshold + hysteresis,
      )
    )
      this.fire(scoreCrossed(rule, threshold, result, previous, 'down', this.now()));
  }

  /**
   * One trigger's step: fires (and disarms) when `fires` holds while armed; arms again only when
   * `rearms` holds. `initial` is whether a trigger seen for the first time is armed.
   */
  #trigger(key: string, initial: boolean, fires: boolean, rearms: boolean): boolean {
    const armed = this.#armed.get(key) ?? initial;
    if (armed && fires) {
      this.#armed.set(key, false);
      return true;
    }
    this.#armed.set(key, armed || rearms);
    return false;
  }

  /** Records the candle time of an observation; false when an equal or newer one was seen. */
  #isNew(kind: ObservationKind, room: string, time: number): boolean {
    const seen = this.#seen[kind];
    const last = seen.get(room);
    if (last !== undefined && time <= last) return false;
    seen.set(room, time);
    return true;
  }
}

function byExchange<T extends { readonly stream: StreamRef }>(items: readonly T[]): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const list = groups.get(item.stream.exchange) ?? [];
    list.push(item);
    groups.set(item.stream.exchange, list);
  }
  return groups;
}
