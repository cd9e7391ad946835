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
