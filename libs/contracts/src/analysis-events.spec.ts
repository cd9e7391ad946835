import { describe, expect, it } from '@jest/globals';
import { busEventFactory } from '@app/testing';
import { validateBusEvent } from './bus-events.js';
import { AnalysisEventName } from './event-names.js';

const UPDATED = AnalysisEventName.ConfluenceUpdated;

describe('confluence.updated carries the domain result of a candle update', () => {
  it('accepts a candle update with its result, and hands the result over as sent', () => {
    const event = busEventFactory.confluenceUpdated();
    const validated = validateBusEvent(UPDATED, event);

    expect(validated.ok && validated.value.result).toEqual(event.result);
  });

  it('refuses a candle update without a result, naming the field', () => {
    const { result: _omitted, ...event } = busEventFactory.confluenceUpdated();

    expect(validateBusEvent(UPDATED, event)).toEqual({
      ok: false,
      errors: ['result: result must be an object'],
    });
  });

  it('accepts a refresh update without one (refresh results are never latest)', () => {
    const event = busEventFactory.confluenceUpdated({ trigger: 'refresh' });

    expect(event.result).toBeUndefined();
    expect(validateBusEvent(UPDATED, event).ok).toBe(true);
  });

  it.each([
    ['an array', []],
    ['a string', 'result'],
    ['null', null],
  ])('refuses a result that is %s', (_, result) => {
    const event = { ...busEventFactory.confluenceUpdated(), result };

    expect(validateBusEvent(UPDATED, event).ok).toBe(false);
    expect(validateBusEvent(UPDATED, { ...event, trigger: 'refresh' }).ok).toBe(false);
  });
});

describe('llm.opinion carries an opinion of either status', () => {
  const OPINION = AnalysisEventName.LlmOpinion;

  it('accepts an available opinion and an unavailable one, as sent', () => {
    const available = busEventFactory.llmOpinion();
    const unavailable = busEventFactory.llmOpinion({
      opinion: { status: 'unavailable', reason: 'budget-exhausted', detail: 'the daily budget is spent' },
    });

    for (const event of [available, unavailable]) {
      const validated = validateBusEvent(OPINION, event);
      expect(validated.ok && validated.value.opinion).toEqual(expect.objectContaining(event.opinion));
    }
  });

  it.each([
    [
      'a confidence above 1',
      { confidence: 1.7 },
      'opinion.confidence: confidence must not be greater than 1',
    ],
    [
      'a signal outside the three',
      { signal: 'BUY' },
      'opinion.signal: signal must be one of the following values: LONG, NEUTRAL, SHORT',
    ],
    ['an unknown field', { mood: 'bullish' }, 'opinion.mood: property mood should not exist'],
  ])('refuses an available opinion with %s, naming the field', (_, change, error) => {
    const event = busEventFactory.llmOpinion();
    const bad = { ...event, opinion: { ...event.opinion, ...change } };

    expect(validateBusEvent(OPINION, bad)).toEqual({ ok: false, errors: [error] });
  });

  it('refuses an unavailable opinion with an unknown reason', () => {
    const event = busEventFactory.llmOpinion({
      opinion: { status: 'unavailable', reason: 'bored' as 'busy', detail: '' },
    });

    expect(validateBusEvent(OPINION, event).ok).toBe(false);
  });
});
