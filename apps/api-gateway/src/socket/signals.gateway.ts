import {
  Inject,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
  Optional,
  UseFilters,
  UseGuards,
} from '@nestjs/common';
import {
  ConnectedSocket,
  MessageBody,
  type OnGatewayDisconnect,
  type OnGatewayInit,
  SubscribeMessage,
  WebSocketGateway,
} from '@nestjs/websockets';
import { AppConfig } from '@app/config';
import {
  AnalysisEventName,
  errorMessage,
  EventBus,
  LimitExceededError,
  NotFoundError,
  SIGNALS_NAMESPACE,
  type StreamRef,
  streamRoom,
  type SubscribeAck,
  type UnsubscribeAck,
} from '@app/contracts';
import {
  type ConfluenceUpdatedEvent,
  type LlmOpinionEvent,
  type SignalChangedEvent,
} from '@app/contracts/dto';
import {
  AccessPolicy,
  ApiKeyRing,
  ConnectionsPerIp,
  GatewayMetrics,
  LatestResults,
  MarketBoard,
  ResultQueries,
  SocketDrain,
  TokenBucket,
} from '@app/gateway';
import { HttpDrain } from '@app/platform';
import { SignalsExceptionFilter } from './socket-errors.filter.js';
import { SocketRateGuard } from './socket-rate.guard.js';
import type { SignalsNamespace, SignalsSocket } from './socket-types.js';
import { SocketRegistry } from './socket-registry.js';
import { SubscriptionPipe } from './subscription.pipe.js';

/**
 * `/signals`: clients subscribe to market streams and get `confluence.updated` (compact shape),
 * `signal.changed` and `llm.opinion` in that stream's room only. Every gateway replica hears every update on the
 * bus and emits it to its own sockets (`namespace.local`): one path, no Redis round trip per
 * update, and each subscriber, connected to one replica, gets each update once and in bus order.
 * (It replaced a per-update claim in Redis plus an emit through the adapter to every replica.)
 * Limits: connections per IP and API key (at the handshake), subscriptions per socket, messages
 * per second per socket (SocketRateGuard). Payloads are checked by SubscriptionPipe; every
 * refusal is a domain error SignalsExceptionFilter answers in the acknowledgement. Socket.IO
 * removes a dead socket (ping timeout) from its rooms itself. When the process stops, the HTTP
 * drain has every socket told `server.shutdown` and closed once the listener is (SocketDrain).
 */
@WebSocketGateway({ namespace: SIGNALS_NAMESPACE })
@UseGuards(SocketRateGuard)
@UseFilters(SignalsExceptionFilter)
export class SignalsGateway
  implements OnGatewayInit, OnGatewayDisconnect, OnApplicationBootstrap, OnApplicationShutdown
{
  readonly #logger = new Logger('signals');
  readonly #connections: ConnectionsPerIp;
  readonly #unsubscribe: (() => void)[] = [];
  readonly #drain = new SocketDrain();
  #namespace: SignalsNamespace | null = null;

  constructor(
    private readonly app: AppConfig,
    private readonly keys: ApiKeyRing,
    private readonly access: AccessPolicy,
    private readonly board: MarketBoard,
    private readonly latest: LatestResults,
    private readonly queries: ResultQueries,
    private readonly bus: EventBus,
    private readonly metrics: GatewayMetrics,
    private readonly registry: SocketRegistry,
    // Absent only in module tests that run no process (platform's process module provides it). By
    // token: a union type gives DI no class to go by.
    @Inject(HttpDrain) @Optional() private readonly httpDrain: HttpDrain | null = null,
  ) {
    this.#connections = new ConnectionsPerIp(app.socket.maxConnectionsPerIp);
  }

  afterInit(namespace: SignalsNamespace): void {
    this.#namespace = namespace;
    this.registry.attach(namespace);
    this.httpDrain?.add({
      close: () => `${this.#drain.close(namespace.sockets.values())} socket(s) told to reconnect`,
    });
    namespace.on('connection', (socket) => {
      this.#drain.admit(socket);
    });
    namespace.use((socket, next) => {
      const refusal = this.#admit(socket);
      if (refusal === null) next();
      else {
        this.metrics.socketRejected.inc({ reason: refusal.reason });
        next(new Error(refusal.message));
      }
    });
  }

  #admit(socket: SignalsSocket): { reason: string; message: string } | null {
    if (this.access.requiresKey('socket')) {
      const auth = socket.handshake.auth as Record<string, unknown>;
      const header = socket.handshake.headers['x-api-key'];
      const key =
        typeof auth.apiKey === 'string' ? auth.apiKey : typeof header === 'string' ? header : undefined;
      if (key === undefined || this.keys.verify(key) === null)
        return {
          reason: 'auth',
          message: 'unauthorized: a valid API key is required (auth.apiKey or X-API-Key)',
        };
    }
    // A client that sent its CONNECT and a malformed packet in one write is already closed here, and
    // Socket.IO then drops the socket without a disconnect event: taking a place would leak it.
    if (socket.conn.readyState !== 'open') return { reason: 'closed', message: 'connection closed' };
    const ip = socket.handshake.address;
    if (!this.#connections.acquire(ip))
      return {
        reason: 'connections-per-ip',
        message: `too many connections from this address (max ${this.app.socket.maxConnectionsPerIp})`,
      };
    const rate = this.app.socket.messagesPerSecond;
    socket.data = { ip, counted: true, bucket: new TokenBucket(rate, rate * 2, () => performance.now()) };
    return null;
  }

  handleDisconnect(socket: SignalsSocket): void {
    // Socket.IO has already left every room; only our own per-IP count remains to release.
    if (socket.data.counted) {
      socket.data.counted = false;
      this.#connections.release(socket.data.ip);
    }
  }

  /** Connections counted per IP (tests read it to prove nothing leaks). */
  openConnections(): number {
    return this.#connections.total;
  }

  @SubscribeMessage('subscribe')
  async subscribe(
    @ConnectedSocket() socket: SignalsSocket,
    @MessageBody(SubscriptionPipe) stream: StreamRef,
  ): Promise<SubscribeAck> {
    if (!this.board.knows(stream))
      throw new NotFoundError(
        `${stream.exchange} ${stream.symbol} ${stream.timeframe} is not tracked (GET /v1/markets)`,
      );
    const room = streamRoom(stream);
    if (!socket.rooms.has(room) && socket.rooms.size - 1 >= this.app.socket.maxSubscriptionsPerSocket) {
      this.metrics.socketRejected.inc({ reason: 'subscriptions' });
      throw new LimitExceededError(
        `at most ${this.app.socket.maxSubscriptionsPerSocket} subscriptions per connection`,
      );
    }
    // Join first, so no update published while the snapshot is read can fall between the two.
    await socket.join(room);
    let snapshot: Record<string, unknown> | null = null;
    try {
      const result = await this.latest.get(stream);
      snapshot = result === null ? null : this.queries.present(result);
    } catch (error) {
      this.#logger.warn(`snapshot of ${room} unavailable: ${errorMessage(error)}`);
    }
    return { ok: true, room, snapshot };
  }

  @SubscribeMessage('unsubscribe')
  async unsubscribe(
    @ConnectedSocket() socket: SignalsSocket,
    @MessageBody(SubscriptionPipe) stream: StreamRef,
  ): Promise<UnsubscribeAck> {
    const room = streamRoom(stream);
    await socket.leave(room);
    return { ok: true, room };
  }

  onApplicationBootstrap(): void {
    this.#unsubscribe.push(
      this.bus.subscribe(AnalysisEventName.ConfluenceUpdated, (event) => {
        this.#onUpdate(event);
      }),
      this.bus.subscribe(AnalysisEventName.SignalChanged, (event) => {
        this.#onSignal(event);
      }),
      this.bus.subscribe(AnalysisEventName.LlmOpinion, (event) => {
        this.#onOpinion(event);
      }),
    );
  }

  onApplicationShutdown(): void {
    for (const unsubscribe of this.#unsubscribe.splice(0)) unsubscribe();
  }

  #onUpdate(event: ConfluenceUpdatedEvent): void {
    // Clients get the compact shape; the domain result is for the latest-result projection.
    const { result: _result, ...live } = event;
    const probability = this.queries.probabilityOf(event, event.score);
    this.#namespace?.local
      .to(streamRoom(event))
      .emit('confluence.updated', probability === null ? live : { ...live, probability });
    this.metrics.socketEmits.inc({ event: 'confluence.updated' });
  }

  #onSignal(event: SignalChangedEvent): void {
    this.#namespace?.local.to(streamRoom(event)).emit('signal.changed', event);
    this.metrics.socketEmits.inc({ event: 'signal.changed' });
  }

  #onOpinion(event: LlmOpinionEvent): void {
    this.#namespace?.local.to(streamRoom(event)).emit('llm.opinion', event);
    this.metrics.socketEmits.inc({ event: 'llm.opinion' });
  }
}
