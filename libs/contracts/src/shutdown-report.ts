/**
 * What a process could not finish while stopping (writes the store never acknowledged), and by
 * when it must be done. One per process (platform's service root provides it); runService sets
 * the deadline when a stop signal arrives and exits non-zero when anything was lost, so a
 * supervisor and an operator both see that the stop was not clean.
 */
export class ShutdownReport {
  readonly #losses: string[] = [];
  #deadline: number | null = null;

  /** Epoch milliseconds by which the hooks must be done; null until a stop has begun. */
  get deadline(): number | null {
    return this.#deadline;
  }

  /** Milliseconds a stop hook may still wait: at most `cap`, never past the deadline (0 once it passed). */
  budget(cap: number, now: number = Date.now()): number {
    return this.#deadline === null ? cap : Math.min(cap, Math.max(0, this.#deadline - now));
  }

  stoppingBy(deadline: number): void {
    this.#deadline = deadline;
  }

  lost(what: string): void {
    this.#losses.push(what);
  }

  get losses(): readonly string[] {
    return this.#losses;
  }
}
