import { Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { AnalysisEventName, EventBus, MarketEventName } from '@app/contracts';
import { GatewayMetrics, LatestResults, MarketBoard } from '@app/gateway';

/**
 * What the gateway learns from the bus: closed candles (market freshness), new results (the
 * latest-result cache, results/s, analysis lag) and signal changes (metrics). The Socket.IO
 * fan-out subscribes on its own (SignalsGateway).
 */
@Injectable()
export class GatewayFeed implements OnApplicationBootstrap, OnApplicationShutdown {
  readonly #unsubscribe: (() => void)[] = [];

  constructor(
    private readonly bus: EventBus,
    private readonly board: MarketBoard,
    private readonly latest: LatestResults,
    private readonly metrics: GatewayMetrics,
  ) {}

  onApplicationBootstrap(): void {
    this.#unsubscribe.push(
      this.bus.subscribe(MarketEventName.CandleClosed, (event) => {
        this.board.onCandle(event);
      }),
      this.bus.subscribe(AnalysisEventName.ConfluenceUpdated, (event) => {
        this.board.onResult(event);
        // Refresh results are published, not stored: only a candle result makes the cache stale.
        if (event.trigger === 'candle') this.latest.announce(event, event.candleTime);
        this.metrics.results.inc({
          exchange: event.exchange,
          timeframe: event.timeframe,
          trigger: event.trigger,
        });
        this.metrics.analysisLag.set(Math.max(0, event.emittedAt - event.inputEmittedAt) / 1000);
      }),
      this.bus.subscribe(AnalysisEventName.SignalChanged, (event) => {
        this.metrics.signals.inc({ exchange: event.exchange, timeframe: event.timeframe, to: event.to });
      }),
    );
  }

  onApplicationShutdown(): void {
    for (const unsubscribe of this.#unsubscribe.splice(0)) unsubscribe();
  }
}
