import type { NotificationRule } from '@app/config';
import type { StreamRef } from '@app/contracts';
import { type AlertEvent, type AlertFact, type AlertMarket, marketLabel } from './alert-event.js';
import type { LabelChange, OpinionObservation, ResultObservation } from './observations.js';

/*
 * The words of each alert: a one-line title (market, what happened, the value) and a sentence,
 * plus the facts behind them. Channels only lay these out.
 */

const score = (value: number): string => value.toFixed(1);
const percent = (share: number): string => `${Math.round(share * 1000) / 10} %`;
const seconds = (value: number): string => `${Math.round(value)} s`;

function streamMarket(stream: StreamRef): AlertMarket {
  return { exchange: stream.exchange, symbol: stream.symbol, timeframe: stream.timeframe };
}

/** What every alert shares, given what is particular to it. */
function event(
  rule: NotificationRule,
  market: AlertMarket,
  firedAt: number,
  particular: { state: string; what: string; text: string; facts: Record<string, AlertFact> },
): AlertEvent {
  return {
    rule: rule.name,
    type: rule.type,
    market,
    state: particular.state,
    title: `${marketLabel(market)}: ${particular.what}`,
    text: `${rule.name}: ${particular.text}`,
    facts: particular.facts,
    firedAt,
    channels: rule.channels,
  };
}

export function scoreCrossed(
  rule: NotificationRule,
  threshold: number,
  result: ResultObservation,
  previous: number | null,
  direction: 'up' | 'down',
  firedAt: number,
): AlertEvent {
  const verb = direction === 'up' ? 'above' : 'below';
  return event(rule, streamMarket(result), firedAt, {
    state: verb,
    what: `score crossed ${verb} ${score(threshold)} (${score(result.score)})`,
    text:
      `the confluence score ${direction === 'up' ? 'rose' : 'fell'} ${previous === null ? '' : `from ${score(previous)} `}` +
      `to ${score(result.score)}, crossing ${score(threshold)}; label ${result.label}, confidence ` +
      `${score(result.confidence)}, coverage ${percent(result.coverage)}.`,
    facts: {
      score: result.score,
      previousScore: previous,
      threshold,
      direction,
      label: result.label,
      confidence: result.confidence,
      coverage: result.coverage,
      candleTime: new Date(result.candleTime).toISOString(),
    },
  });
}

export function labelChanged(
  rule: NotificationRule,
  change: LabelChange & { from: string },
  firedAt: number,
): AlertEvent {
  return event(rule, streamMarket(change), firedAt, {
    state: `${change.from}→${change.to}`,
    what: `${change.from} → ${change.to} (score ${score(change.score)})`,
    text: `the label changed from ${change.from} to ${change.to} at a score of ${score(change.score)} (confidence ${score(change.confidence)}).`,
    facts: {
      from: change.from,
      to: change.to,
      score: change.score,
      confidence: change.confidence,
      candleTime: new Date(change.time).toISOString(),
    },
  });
}

export function opinionDisagrees(
  rule: NotificationRule,
  seen: OpinionObservation,
  firedAt: number,
): AlertEvent {
  const { opinion } = seen;
  const signal = opinion.signal ?? 'unknown';
  return event(rule, streamMarket(seen), firedAt, {
    state: `${signal}≠${seen.label}`,
    what: `the LLM says ${signal}, the engine ${seen.label} (score ${score(seen.score)})`,
    text: `the LLM's opinion (${opinion.model ?? 'model'}, confidence ${opinion.confidence ?? '?'}) disagrees with the engine's label: ${opinion.reasoning ?? ''}`.trim(),
    facts: {
      engineLabel: seen.label,
      engineScore: seen.score,
      llmSignal: signal,
      llmConfidence: opinion.confidence ?? null,
      model: opinion.model ?? null,
      candleTime: new Date(seen.candleTime).toISOString(),
    },
  });
}

export function coverageLow(
  rule: NotificationRule,
  level: number,
  result: ResultObservation,
  firedAt: number,
): AlertEvent {
  return event(rule, streamMarket(result), firedAt, {
    state: 'below',
    what: `coverage ${percent(result.coverage)} < ${percent(level)}`,
    text: `only ${percent(result.coverage)} of the weight had data (level ${percent(level)}): components are missing their inputs.`,
    facts: {
      coverage: result.coverage,
      level: level,
      score: result.score,
      candleTime: new Date(result.candleTime).toISOString(),
    },
  });
}

export function streamStale(
  rule: NotificationRule,
  afterSeconds: number,
  stream: StreamRef,
  ageSeconds: number,
  firedAt: number,
): AlertEvent {
  return event(rule, streamMarket(stream), firedAt, {
    state: 'stale',
    what: `no closed candle for ${seconds(ageSeconds)}`,
    text: `no closed candle has arrived for ${seconds(ageSeconds)} (more than ${seconds(afterSeconds)}): its data is stale.`,
    facts: { ageSeconds: Math.round(ageSeconds), afterSeconds },
  });
}

export function exchangeDown(
  rule: NotificationRule,
  afterSeconds: number,
  exchange: string,
  streams: number,
  youngestSeconds: number,
  firedAt: number,
): AlertEvent {
  return event(rule, { exchange, symbol: null, timeframe: null }, firedAt, {
    state: 'down',
    what: `no closed candle on any of its ${streams} streams for ${seconds(youngestSeconds)}`,
    text: `none of its ${streams} streams has had a closed candle for more than ${seconds(afterSeconds)}: the exchange looks down.`,
    facts: { streams, youngestAgeSeconds: Math.round(youngestSeconds), afterSeconds },
  });
}
