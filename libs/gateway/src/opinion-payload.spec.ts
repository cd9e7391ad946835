import { describe, expect, it } from '@jest/globals';
import { type EventData, LlmOpinionEvent, type OpinionPayload, validatePayload } from '@app/contracts/dto';
import { busEventFactory } from '@app/testing';
import { opinionOfPayload } from './opinion-payload.js';

/** The opinion of an `llm.opinion` event as received (validated into its payload class). */
function received(event: EventData<LlmOpinionEvent>): EventData<OpinionPayload> {
  const checked = validatePayload(LlmOpinionEvent, JSON.parse(JSON.stringify(event)));
  if (!checked.ok) throw new Error(checked.errors.join('; '));
  return checked.value.opinion;
}

describe('opinionOfPayload', () => {
  it("keeps exactly an available opinion's fields (the class holds the others as undefined)", () => {
    const event = busEventFactory.llmOpinion({
      opinion: {
        ...busEventFactory.llmOpinion().opinion,
        blended: { weight: 0.25, score: 58.5, label: 'NEUTRAL' },
      },
    });

    // toStrictEqual: an undefined `reason` or `detail` left in would fail it.
    expect(opinionOfPayload(received(event))).toStrictEqual(event.opinion);
  });

  it("keeps exactly an unavailable opinion's fields", () => {
    const opinion = {
      status: 'unavailable',
      reason: 'timeout',
      detail: 'no answer within 20000 ms',
    } as const;
    expect(opinionOfPayload(received(busEventFactory.llmOpinion({ opinion })))).toStrictEqual(opinion);
  });

  it('is null for an opinion missing a field its status needs (which the bus refuses anyway)', () => {
    expect(opinionOfPayload({ status: 'unavailable', reason: 'busy' })).toBeNull();
    const { cached: _cached, ...answer } = busEventFactory.llmOpinion().opinion;
    expect(opinionOfPayload(answer)).toBeNull();
  });
});
