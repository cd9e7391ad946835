import {
  AnalysisEventName,
  compareOffsets,
  errorMessage,
  marketId,
  StoredCheckpointSave,
} from '@app/contracts';
import { changedEvent, updateLine, updatedEvent } from './analysis-output.js';
import { saveSnapshot, takeSnapshot } from './analysis-snapshots.js';
import { AnalysisStats } from './analysis-stats.js';
import type { AnalysisOutput, MarketSnapshot } from './analysis.types.js';

import { AnalysisDriver, type StopWork } from './analysis-driver.js';
import type { MarketAnalyzer } from './market-analyzer.js';
import { type Checkpoint, MarketResume, parseCheckpoint } from './market-resume.js';
import { processUntilStopped } from './process-in-turns.js';
import type {
  DistributedAnalysisDeps,
  DistributedAnalysisSettings,
  DistributedAnalysisStatus,
  MarketOwnership,
} from './distributed-analysis.types.js';
import type { AnalysisMessage, LogBatch, LoggedMarketEvent, MarketRef } from '@app/contracts';

/** A market this worker holds: its analyzer, where its log is read, and what was already published. */
interface OwnedMarket {
  readonly market: MarketRef;
  readonly analyzer: MarketAnalyzer;
  offset: string;
  /** Entries up to here were published by a previous owner: re-analysed to store, not published again. */
  publishedUntil: string | null;
  /** Candles analysed since the last snapshot was taken. */
  sinceSnapshot: number;
  /** Where the stored checkpoint is (this worker's writes): a snapshot past it would be of no use. */
  storedAt: string | null;
}

/**
 * The distributed worker. Markets are split between workers by leases; for each market it holds,
 * it reads the market's log from the checkpoint, analyses, queues the store writes, and commits
 * (publish + checkpoint, atomically, fenced by the lease). Taking a market over restores the
 * engine snapshot the previous owner saved and replays the log from it (exact: docs/adr/0006);
 * without a usable snapshot it rebuilds the indicator state from stored candles (topped up from
 * the log where the store lags). Either way it re-analyses what the previous owner published but
 * had not stored, without publishing it again.
 */
export class DistributedAnalysis extends AnalysisDriver {
  readonly stopsAt = 'module-destroy' as const;

  readonly #owned = new Map<string, OwnedMarket>();
  readonly #retake = new Map<string, MarketRef>();
  readonly #stats = new AnalysisStats();
  readonly #ownership: MarketOwnership;
  readonly #resume: MarketResume;
  readonly #stopping = new AbortController();
  #loop: Promise<void> | null = null;
  #takeovers = 0;
  #lostCommits = 0;
  #snapshotsSaved = 0;
  #acquired = 0;
  readonly #lost = new Map<string, number>();

  constructor(
    private readonly settings: DistributedAnalysisSettings,
    private readonly deps: DistributedAnalysisDeps,
  ) {
    super();
    this.#resume = new MarketResume({
      ...deps,
      rebuildCandles: settings.rebuildCandles,
      timeframesOf: settings.timeframesOf,
    });
    this.#ownership = deps.ownership({
      // Taken over by the read loop, not inside the lease round: a slow rebuild (store queries,
      // replaying the tail) must never delay the renewal of the leases already held.
      onAcquired: async (market) => {
        this.#acquired++;
        this.#retake.set(marketId(market), market);
        await Promise.resolve();
      },
      onLost: async (market, reason) => {
        this.#lost.set(reason, (this.#lost.get(reason) ?? 0) + 1);
        this.#owned.delete(marketId(market));
        this.#retake.delete(marketId(market));
        deps.logger.log(`${marketId(market)}: released (${reason})`);
        await Promise.resolve();
      },
    });
  }

  start(): void {
    this.#ownership.start();
    this.#loop = this.#run();
  }

  /**
   * Stops reading and ends the batch in hand at its next turn (what it analysed is committed, the
   * rest left to the next owner), lets `flush` write what is pending (its stored checkpoints need
   * the leases), then releases the markets so other workers take them over at once.
   */
  async stop(flush?: () => Promise<void>): Promise<void> {
    this.#stopping.abort();
    await this.#loop;
    await flush?.();
    // Saved before the leases go: the next owner restores exactly where this worker stopped.
    // Only where everything up to it is stored: a takeover resumes from the stored checkpoint,
    // and a snapshot past it would replace an older, usable one.
    await Promise.all(
      [...this.#owned.values()]
        .filter((owned) => owned.storedAt === owned.offset)
        .map((owned) => this.#saveSnapshot(this.#takeSnapshot(owned, owned.offset))),
    );
    await this.#ownership.stop({ release: true });
  }

  /**
   * Stops with the write path's flush bounded: a store that is down must not hold the stop (what
   * stays unwritten is analysed again by the next owner, whose checkpoint is the last stored one).
   */
  async shutdown(work: StopWork): Promise<void> {
    await this.stop(async () => {
      await work.flush();
    });
  }

  status(): DistributedAnalysisStatus {
    return {
      mode: 'distributed',
      workerId: this.settings.workerId,
      markets: [...this.#owned.values()].map((owned) => ({
        market: marketId(owned.market),
        offset: owned.offset,
        repairing: owned.publishedUntil !== null,
      })),
      counters: this.#stats.counters(),
      lagMs: this.#stats.lag.summary(),
      takeovers: this.#takeovers,
      restores: this.#resume.restores,
      rebuilds: this.#resume.rebuilds,
      snapshotsSaved: this.#snapshotsSaved,
      lostCommits: this.#lostCommits,
      ownership: { acquired: this.#acquired, lost: Object.fromEntries(this.#lost) },
    };
  }

  async #run(): Promise<void> {
    const { log, logger } = this.deps;
    while (!this.#stopped()) {
      await this.#takeOverPending();
      const reading = new Map([...this.#owned].map(([id, owned]) => [id, { owned, after: owned.offset }]));
      const from = new Map(
        [...reading].map(([id, { owned, after }]) => [id, { market: owned.market, after }]),
      );
      let batches: LogBatch[];
      try {
        batches = await log.read(from, this.settings.batchSize, this.settings.blockMs);
      } catch (error) {
        if (this.#stopped()) break;
        logger.warn(`reading the market logs failed: ${errorMessage(error)}`);
        await new Promise((resolve) => setTimeout(resolve, this.settings.blockMs));
        continue;
      }
      for (const batch of batches) {
        const read = reading.get(marketId(batch.market));
        // Skip a batch whose market was lost, or taken over afresh, while the read was waiting.
        if (read === undefined || this.#owned.get(marketId(batch.market)) !== read.owned) continue;
        if (read.owned.offset !== read.after) continue;
        try {
          await this.#process(read.owned, batch);
        } catch (error) {
          // The analyzer may be ahead of the checkpoint now: start the market again from its checkpoints.
          logger.error(
            `${marketId(batch.market)}: analysis failed, resuming from the checkpoints: ${errorMessage(error)}`,
          );
          this.#owned.delete(marketId(batch.market));
          this.#retake.set(marketId(batch.market), batch.market);
        }
      }
    }
  }

  async #process(owned: OwnedMarket, batch: LogBatch): Promise<void> {
    for (const entry of batch.rejected) {
      this.#stats.rejected();
      this.deps.logger.warn(
        `${marketId(batch.market)}: rejected log entry ${entry.offset} (${entry.name}): ${entry.errors.join('; ')}`,
      );
    }
    const until = owned.publishedUntil;
    const repair = until === null ? [] : batch.events.filter((e) => compareOffsets(e.offset, until) <= 0);
    const fresh =
      until === null ? batch.events : batch.events.filter((e) => compareOffsets(e.offset, until) > 0);
    if (until !== null && compareOffsets(batch.lastOffset, until) <= 0) {
      owned.offset = (await this.#store(owned, repair, batch.lastOffset)).reached;
      return;
    }
    if (repair.length > 0 && until !== null) {
      const { reached } = await this.#store(owned, repair, until);
      // Stopped inside the repair: the next owner re-stores the rest, as this one would have.
      if (reached !== until) {
        owned.offset = reached;
        return;
      }
    }
    owned.publishedUntil = null;
    // Stopping, it may end before the batch does: what it analysed is committed, the rest left to the next owner.
    const { output, reached } = await this.#store(owned, fresh, batch.lastOffset);
    const checkpoint = this.#checkpoint(owned, reached);
    const now = this.deps.now();
    const messages: AnalysisMessage[] = [
      ...output.updates.map((update) => ({
        name: AnalysisEventName.ConfluenceUpdated,
        payload: updatedEvent(update, this.deps.formatter, now),
      })),
      ...output.changes.map((change) => ({
        name: AnalysisEventName.SignalChanged,
        payload: changedEvent(change, now),
      })),
    ];
    const committed = await this.deps.log.commit(owned.market, this.settings.workerId, checkpoint, messages);
    if (!committed) {
      this.#lostCommits++;
      this.#leaseLost(owned, 'batch not published');
      return;
    }
    owned.offset = reached;
    this.deps.published?.(output);
    this.#stats.add(output, now);
    if (this.settings.logUpdates)
      for (const update of output.updates) this.deps.logger.log(updateLine(update));
  }

  /**
   * Analyses events and queues their store write; once written, the stored checkpoint moves to where
   * it got: `offset`, or, stopping, the last event analysed before it stopped (processUntilStopped).
   */
  async #store(
    owned: OwnedMarket,
    events: readonly LoggedMarketEvent[],
    offset: string,
  ): Promise<{ readonly output: AnalysisOutput; readonly reached: string }> {
    // In turns: a batch of hundreds of events must not hold up the lease renewals.
    const { output, processed } = await processUntilStopped(owned.analyzer, events, this.deps.now(), {
      stop: this.#stopping.signal,
    });
    const reached = processed === events.length ? offset : events[processed - 1]?.offset;
    if (reached === undefined) throw new Error('stopped before the first turn of a batch');
    owned.sinceSnapshot += output.counts.candles;
    // Taken now (the state at `reached`), saved once the results up to it are stored.
    const snapshot =
      owned.sinceSnapshot >= this.settings.snapshotEveryCandles ? this.#takeSnapshot(owned, reached) : null;
    const checkpoint = this.#checkpoint(owned, reached);
    const accepted = this.deps.sink.store(output, async () => {
      const saved = await this.deps.log.saveStored(owned.market, this.settings.workerId, reached, checkpoint);
      if (saved === StoredCheckpointSave.LeaseLost) {
        // No snapshot: a market keeps one, and this one, past the checkpoint the next owner resumes
        // from, would replace its usable one and force an inexact rebuild from stored candles.
        this.#leaseLost(owned, 'stored checkpoint and snapshot not saved');
        return;
      }
      if (saved === StoredCheckpointSave.Saved) owned.storedAt = reached;
      // Not newer (a re-store after a takeover): the snapshot is at or before the stored checkpoint, so usable.
      await this.#saveSnapshot(snapshot);
    });
    if (!accepted) this.#stats.storeRefused();
    return { output, reached };
  }

  /**
   * The lease is gone (a commit or stored checkpoint was fenced off): another worker owns the
   * market, or will, and re-analyses from its checkpoints; this one stops reading it. A store
   * write finishing late may be of a market already taken over afresh: that one is left alone.
   */
  #leaseLost(owned: OwnedMarket, what: string): void {
    const id = marketId(owned.market);
    if (this.#owned.get(id) === owned) this.#owned.delete(id);
    this.deps.logger.warn(`${id}: lease lost, ${what} (the new owner redoes it)`);
  }

  #checkpoint(owned: OwnedMarket, offset: string): string {
    const checkpoint: Checkpoint = { offset, ...owned.analyzer.state() };
    return JSON.stringify(checkpoint);
  }

  /**
   * Markets newly acquired, or whose processing failed: taken over from their checkpoints. A
   * market lost meanwhile leaves the pending set (onLost), so it is not adopted after the fact.
   */
  async #takeOverPending(): Promise<void> {
    for (const [id, market] of this.#retake) {
      try {
        const owned = await this.#takeOver(market);
        if (this.#retake.get(id) !== market) continue;
        this.#retake.delete(id);
        this.#owned.set(id, owned);
      } catch (error) {
        this.deps.logger.warn(`${id}: resuming failed, retrying: ${errorMessage(error)}`);
      }
    }
  }

  #stopped(): boolean {
    return this.#stopping.signal.aborted;
  }

  async #takeOver(market: MarketRef): Promise<OwnedMarket> {
    const { log, logger } = this.deps;
    const id = marketId(market);
    const checkpoints = await log.checkpoints(market);
    const stored = parseCheckpoint(checkpoints.stored);
    const published = parseCheckpoint(checkpoints.published);
    // Resume from the earlier of the two: results stored but never published (a commit failed)
    // are published again; results published but not yet stored are stored again.
    const base =
      stored === null || published === null
        ? null
        : compareOffsets(stored.offset, published.offset) <= 0
          ? stored
          : published;
    const analyzer = this.deps.createAnalyzer(market);
    const resumed =
      base === null
        ? 'with no checkpoint, from the start of the log'
        : await this.#resume.resume(market, analyzer, base);
    const publishedUntil = published?.offset ?? null;
    const offset = base?.offset ?? '0';
    const owned: OwnedMarket = {
      market,
      analyzer,
      offset,
      publishedUntil:
        publishedUntil !== null && compareOffsets(publishedUntil, offset) > 0 ? publishedUntil : null,
      sinceSnapshot: 0,
      storedAt: stored?.offset ?? null,
    };
    this.#takeovers++;
    logger.log(
      `${id}: acquired; ${resumed}, reading after ${offset}` +
        (publishedUntil !== null && compareOffsets(publishedUntil, offset) > 0
          ? `, re-storing what was published up to ${publishedUntil}`
          : ''),
    );
    return owned;
  }

  /** The market's state at `offset` as a snapshot to save; null (and a warning) if it cannot be taken. */
  #takeSnapshot(owned: OwnedMarket, offset: string): MarketSnapshot | null {
    owned.sinceSnapshot = 0;
    return takeSnapshot(owned.analyzer, offset, this.deps.now(), this.deps.logger);
  }

  async #saveSnapshot(snapshot: MarketSnapshot | null): Promise<void> {
    if (await saveSnapshot(this.deps.snapshots, snapshot, this.deps.logger)) this.#snapshotsSaved++;
  }
}
