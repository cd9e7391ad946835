import type { ConfluenceResult, ResultFormatter } from '@app/confluence';
import type { LlmOpinion } from '@app/contracts';
import { ResultFormat, type StoredResult } from '@app/persistence';

/**
 * What a client is shown of a stored result: the domain result rendered by the one formatter
 * (format 1, so today's API shape, whatever it was when the result was computed), or, for a
 * document written before results were stored as domain data, the v1 rendering it holds. The
 * model's opinion, once one is attached, is shown beside the engine's score as `llm`.
 */
export function renderStoredResult(
  stored: StoredResult,
  formatter: ResultFormatter,
): Record<string, unknown> {
  const rendered =
    stored.format === ResultFormat.Domain
      ? // The store holds what storedResult() wrote from a ConfluenceResult; its format says so.
        { ...formatter.full(stored.result as unknown as ConfluenceResult) }
      : { ...stored.result };
  return withOpinion(rendered, stored.llm);
}

/**
 * A rendered result with the model's opinion beside it (`llm`). An answer also joins the replay
 * block: the model and the prompt template's version and hash are, with the input hash, what the
 * answer is a function of.
 */
export function withOpinion(
  rendered: Record<string, unknown>,
  opinion: LlmOpinion | undefined,
): Record<string, unknown> {
  if (opinion === undefined) return rendered;
  const replay = rendered.replay;
  if (opinion.status !== 'ok' || replay === null || typeof replay !== 'object')
    return { ...rendered, llm: opinion };
  const { model, promptVersion, promptHash } = opinion;
  return { ...rendered, replay: { ...replay, llm: { model, promptVersion, promptHash } }, llm: opinion };
}
