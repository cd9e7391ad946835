import type { ConfluenceResult, ResultFormatter } from '@app/confluence';
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
  const llm = stored.llm === undefined ? {} : { llm: stored.llm };
  if (stored.format === ResultFormat.Domain)
    // The store holds what storedResult() wrote from a ConfluenceResult; its format says so.
    return { ...formatter.full(stored.result as unknown as ConfluenceResult), ...llm };
  return { ...stored.result, ...llm };
}
