import type { ComponentName } from '@app/contracts';
import type { ComponentReading, SubScore } from './component.types.js';

/** Collects sub-scores and the reasons others are missing, then builds the reading. */
export class ReadingBuilder {
  readonly #subScores: SubScore[] = [];
  readonly #missing: Record<string, string> = {};
  #oldest: number | null = null;

  constructor(readonly component: ComponentName) {}

  add(name: string, score: number, value: number, inputs: Readonly<Record<string, number | null>>): this {
    this.#subScores.push({ name, score, value, inputs });
    return this;
  }

  miss(name: string, reason: string): this {
    this.#missing[name] = reason;
    return this;
  }

  /** Records that an input with this time was used. */
  used(timestamp: number): this {
    if (this.#oldest === null || timestamp < this.#oldest) this.#oldest = timestamp;
    return this;
  }

  build(): ComponentReading {
    return {
      component: this.component,
      subScores: this.#subScores,
      missing: this.#missing,
      oldestInput: this.#oldest,
    };
  }
}
