/**
 * Waits, before a repository's first write, for mongoose's automatic index build of its model.
 * A unique index is what makes an upsert idempotent (two writers upserting the same key cannot
 * both insert), and on the embedded store an index is also what spares every upsert a scan of the
 * collection: without the wait, a replay's first thousand candle upserts ran before the index
 * existed, each scanning every candle stored so far.
 *
 * The wait is bounded: a build that fails, or a store that is down, does not hold writes back for
 * longer than `waitMs`; they then go on (and fail or retry) as they would have without it.
 */
export class IndexBuild {
  #settled = false;

  constructor(
    private readonly model: { init(): Promise<unknown> },
    private readonly waitMs = INDEX_BUILD_WAIT_MS,
  ) {}

  async settled(): Promise<void> {
    if (this.#settled) return;
    let timer: NodeJS.Timeout | undefined;
    const done = (): void => {
      this.#settled = true;
    };
    const build = this.model.init().then(done, done);
    const waited = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, this.waitMs);
      timer.unref();
    });
    await Promise.race([build, waited]);
    clearTimeout(timer);
  }
}

/** How long a first write waits for its indexes at most (builds on empty collections take milliseconds). */
export const INDEX_BUILD_WAIT_MS = 5_000;
