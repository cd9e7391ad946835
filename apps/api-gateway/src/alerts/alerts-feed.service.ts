import {
  type BeforeApplicationShutdown,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { AlertNotifier } from '@app/alerts';
import { MonitoringConfig } from '@app/config';
import { AnalysisEventName, EventBus } from '@app/contracts';
import { MarketBoard } from '@app/gateway';

/**
 * Feeds the alert rules from the bus — candle results, label changes, LLM opinions — and, every
 * `freshnessCheckSeconds`, the streams' ages from the market board. Each handler hands the
 * notifier what it heard and returns: deliveries run on the notifier's own queues, so a receiver
 * that hangs never holds up the bus (in local mode `publish` waits for its handlers).
 */
@Injectable()
export class AlertsFeed implements OnApplicationBootstrap, BeforeApplicationShutdown {
  readonly #unsubscribe: (() => void)[] = [];
  readonly #logger = new Logger('alerts');
  #timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly bus: EventBus,
    private readonly board: MarketBoard,
    private readonly notifier: AlertNotifier,
    private readonly monitoring: MonitoringConfig,
  ) {}

  onApplicationBootstrap(): void {
    const { notifications } = this.monitoring;
    if (!this.notifier.enabled) {
      this.#logger.log('alerts off (monitoring.yaml notifications.enabled: false)');
      return;
    }
    this.#unsubscribe.push(
      this.bus.subscribe(AnalysisEventName.ConfluenceUpdated, (event) => {
        // Refresh updates between closes are not results of a candle: rules look at candle results.
        if (event.trigger !== 'candle') return;
        const { exchange, symbol, timeframe, candleTime, score, label, confidence, coverage } = event;
        this.notifier.result({ exchange, symbol, timeframe, candleTime, score, label, confidence, coverage });
      }),
      this.bus.subscribe(AnalysisEventName.SignalChanged, (event) => {
        const { exchange, symbol, timeframe, time, from, to, score, confidence } = event;
        this.notifier.labelChanged({ exchange, symbol, timeframe, time, from, to, score, confidence });
      }),
      this.bus.subscribe(AnalysisEventName.LlmOpinion, (event) => {
        const { exchange, symbol, timeframe, candleTime, score, label, opinion } = event;
        this.notifier.opinion({ exchange, symbol, timeframe, candleTime, score, label, opinion });
      }),
    );
    this.#timer = setInterval(() => {
      this.notifier.freshness(this.board.ages());
    }, notifications.freshnessCheckSeconds * 1000);
    // Never keeps a stopping process alive.
    this.#timer.unref();
    const channels = this.notifier.channelNames();
    this.#logger.log(
      `alerts on: ${notifications.rules.filter((rule) => rule.enabled).length} rule(s), ` +
        `channels ${channels.join(', ') || 'none enabled (rules fire, nothing is sent)'}`,
    );
  }

  /** Stops listening, then cuts short what is being sent (each counted as dropped). */
  async beforeApplicationShutdown(): Promise<void> {
    for (const unsubscribe of this.#unsubscribe.splice(0)) unsubscribe();
    clearInterval(this.#timer);
    await this.notifier.stop();
  }
}
