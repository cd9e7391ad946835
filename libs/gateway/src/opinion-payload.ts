import type { LlmOpinion } from '@app/contracts';
import type { EventData, OpinionPayload } from '@app/contracts/dto';

/**
 * The opinion an `llm.opinion` bus event carries, as the domain's LlmOpinion: the fields its
 * status has, and no other (a validated payload class holds the other status' fields as
 * undefined). Null when a field its status needs is missing, which the bus's validation of the
 * payload already refuses: a caller logs it rather than show half an opinion.
 */
export function opinionOfPayload(payload: EventData<OpinionPayload>): LlmOpinion | null {
  if (payload.status === 'unavailable') {
    const { reason, detail } = payload;
    return reason === undefined || detail === undefined ? null : { status: 'unavailable', reason, detail };
  }
  const { signal, confidence, reasoning, risks, agrees, blended } = payload;
  const { model, promptVersion, promptHash, inputHash, createdAt, cached } = payload;
  if (
    signal === undefined ||
    confidence === undefined ||
    reasoning === undefined ||
    risks === undefined ||
    agrees === undefined ||
    model === undefined ||
    promptVersion === undefined ||
    promptHash === undefined ||
    inputHash === undefined ||
    createdAt === undefined ||
    cached === undefined
  )
    return null;
  return {
    status: 'ok',
    signal,
    confidence,
    reasoning,
    risks: [...risks],
    agrees,
    ...(blended == null
      ? {}
      : { blended: { weight: blended.weight, score: blended.score, label: blended.label } }),
    model,
    promptVersion,
    promptHash,
    inputHash,
    createdAt,
    cached,
  };
}
