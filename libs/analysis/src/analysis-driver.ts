import type { DistributedAnalysisStatus } from './distributed-analysis.types.js';
import type { LocalAnalysisStatus } from './local-analysis.js';

/** What a driver's stop may wait for: each wait is bounded by the caller (store timeout, stop deadline). */
export interface StopWork {
  /** Writes what is pending in the store's write path; 'timeout' when it ran out of time. */
  flush(): Promise<'done' | 'timeout'>;
  /** Waits for `work`, as long as the stop allows. */
  bounded(work: Promise<void>): Promise<'done' | 'timeout'>;
}

/**
 * How the worker runs its markets — in-process (local mode) or shared through Redis leases
 * (distributed) — behind one face, so the worker app wires one and never asks which it has.
 * An abstract class so Nest can inject it by its type.
 */
export abstract class AnalysisDriver {
  /**
   * The stop phase it stops in. `module-destroy` (distributed): first in a stop, while the write
   * path is still open, because it flushes its own pending writes and then releases its leases.
   * `before-shutdown` (local): after the in-process producers stopped publishing, so every
   * candle published was analysed before the write path flushes.
   */
  abstract readonly stopsAt: 'module-destroy' | 'before-shutdown';
  abstract start(): void;
  /** Stops reading, has everything pending written (bounded), and saves where it stands. */
  abstract shutdown(work: StopWork): Promise<void>;
  abstract status(): LocalAnalysisStatus | DistributedAnalysisStatus;
}
