import { createHash } from 'node:crypto';
import { COMPONENT_NAMES, Signal, type ValidationSample } from '@app/contracts';

/**
 * The last `size` answers by key, shared by concurrent askers of the same key (one computation),
 * newest kept; a failed answer is not kept.
 */
export class RecentAnswers<T> {
  readonly #answers = new Map<string, Promise<T>>();

  constructor(private readonly size: number) {}

  get(key: string, compute: () => Promise<T>): Promise<T> {
    const known = this.#answers.get(key);
    if (known !== undefined) {
      // Re-inserted: a Map iterates in insertion order, so the first key is the least recent.
      this.#answers.delete(key);
      this.#answers.set(key, known);
      return known;
    }
    const answer = compute();
    this.#answers.set(key, answer);
    answer.catch(() => {
      if (this.#answers.get(key) === answer) this.#answers.delete(key);
    });
    for (const oldest of this.#answers.keys()) {
      if (this.#answers.size <= this.size) break;
      this.#answers.delete(oldest);
    }
    return answer;
  }
}

const LABEL_CODES: Readonly<Record<string, number>> = {
  [Signal.Long]: 1,
  [Signal.Neutral]: 2,
  [Signal.Short]: 3,
};

/**
 * A digest of everything the statistics read from samples: times, closes, scores, labels, the
 * model's labels and every component's score. Equal digests, equal answers (the resampling is
 * seeded), so an answer can be reused exactly; any change — a new sample, an opinion attached, a
 * result stored again with other inputs — changes the digest.
 */
export function samplesDigest(samples: readonly ValidationSample[]): string {
  const width = 6 + COMPONENT_NAMES.length;
  const values = new Float64Array(samples.length * width);
  samples.forEach((sample, i) => {
    const at = i * width;
    values[at] = sample.candleTime;
    values[at + 1] = sample.close;
    values[at + 2] = sample.score;
    values[at + 3] = LABEL_CODES[sample.label] ?? 0;
    values[at + 4] = LABEL_CODES[sample.llm?.label ?? ''] ?? 0;
    values[at + 5] = LABEL_CODES[sample.llm?.blended ?? ''] ?? 0;
    COMPONENT_NAMES.forEach((name, k) => {
      values[at + 6 + k] = sample.components[name] ?? Number.NaN;
    });
  });
  return createHash('sha256').update(new Uint8Array(values.buffer)).digest('base64url');
}

/** Runs a computation step by step, letting the event loop serve other work between steps. */
export async function completeInSlices<T>(steps: Generator<void, T>): Promise<T> {
  for (;;) {
    const step = steps.next();
    if (step.done === true) return step.value;
    await new Promise<void>((resolve) => {
      setImmediate(resolve);
    });
  }
}
