import {
  type BeforeApplicationShutdown,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { ValidationConfig } from '@app/config';
import { errorMessage } from '@app/contracts';
import { ForwardValidation } from '@app/gateway';

/**
 * Runs forward validation's periodic work (ADR 0019): the rolling-IC gauges every
 * `gauges.refreshSeconds`, the probability maps every `probability.refitSeconds` (never per
 * scrape or per result). Both first run one gauge interval after boot, so a restarted gateway
 * shows probabilities minutes later rather than a refit interval later, while results served in
 * its first minutes do not change shape under a client (or a test) mid-read. A run still going
 * when its next one is due skips that one; a stop waits for the runs in flight, so none reads a
 * store that is closing.
 */
@Injectable()
export class ForwardValidationSchedule
  implements OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown
{
  readonly #logger = new Logger('validation');
  readonly #timers: NodeJS.Timeout[] = [];
  readonly #running = new Map<string, Promise<void>>();

  constructor(
    private readonly validation: ForwardValidation,
    private readonly settings: ValidationConfig,
  ) {}

  onApplicationBootstrap(): void {
    const { gauges, probability } = this.settings;
    this.#every('rolling IC gauges', gauges.refreshSeconds, gauges.refreshSeconds, () =>
      this.validation.refreshGauges(),
    );
    this.#every(
      'probability maps',
      Math.min(gauges.refreshSeconds, probability.refitSeconds),
      probability.refitSeconds,
      () => this.validation.refitProbabilities(),
    );
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.#stopTimers();
    await Promise.all(this.#running.values());
  }

  onApplicationShutdown(): void {
    this.#stopTimers();
  }

  #stopTimers(): void {
    for (const timer of this.#timers.splice(0)) clearTimeout(timer);
  }

  #every(what: string, firstSeconds: number, seconds: number, run: () => Promise<void>): void {
    const tick = (): void => {
      if (this.#running.has(what)) return;
      const running = run()
        .catch((error: unknown) => {
          this.#logger.warn(`${what}: ${errorMessage(error)}`);
        })
        .finally(() => {
          this.#running.delete(what);
        });
      this.#running.set(what, running);
    };
    const first = setTimeout(() => {
      tick();
      const next = setInterval(tick, seconds * 1000);
      next.unref();
      this.#timers.push(next);
    }, firstSeconds * 1000);
    // Timers never keep a stopping process alive.
    first.unref();
    this.#timers.push(first);
  }
}
