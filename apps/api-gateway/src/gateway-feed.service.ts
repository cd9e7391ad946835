import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { AnalysisEventName, EventBus, MarketEventName, streamRoom } from '@app/contracts';
import { GatewayMetrics, LatestResults, MarketBoard, opinionOfPayload } from '@app/gateway';

/**
 * What the gateway learns from the bus: closed candles (market freshness), new results (the
 * latest-result projection, results/s, analysis lag), signal changes (metrics) and the model's
 * opinions (attached to the projected result they are about, so GET latest shows them at once).
 * The Socket.IO fan-out subscribes on its own (SignalsGateway).
 */
@Injectable()
export class GatewayFeed implements OnApplicationBootstrap, OnApplicationShutdown {
  readonly #unsubscribe: (() => void)[] = [];
  readonly #logger = new Logger(GatewayFeed.name);

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
        // Refresh results are published, not stored: only a candle result is the latest one.
        if (event.trigger === 'candle' && !this.latest.project(event))
          this.#logger.warn(
            `confluence.updated ${streamRoom(event)} ${String(event.candleTime)}: its result is not a domain result of that candle; GET latest reads the store for it`,
          );
        this.metrics.resultHeard(event);
      }),
      this.bus.subscribe(AnalysisEventName.SignalChanged, (event) => {
        this.metrics.signals.inc({ exchange: event.exchange, timeframe: event.timeframe, to: event.to });
      }),
      this.bus.subscribe(AnalysisEventName.LlmOpinion, (event) => {
        const opinion = opinionOfPayload(event.opinion);
        const { exchange, symbol, timeframe, candleTime, inputHash } = event;
        // One of an older candle (or of inputs since replaced) is not attached: it is in the store.
        if (opinion !== null)
          this.latest.attachOpinion({ exchange, symbol, timeframe, candleTime, inputHash, opinion });
        else
          this.#logger.warn(
            `llm.opinion ${streamRoom(event)} ${String(candleTime)}: an incomplete opinion, ignored`,
          );
      }),
    );
  }

  onApplicationShutdown(): void {
    for (const unsubscribe of this.#unsubscribe.splice(0)) unsubscribe();
  }
}
