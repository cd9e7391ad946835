import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { type RawData, type WebSocket, WebSocketServer } from 'ws';
import { binanceStream } from './binance-stream.js';
import type { BookModel, BookRegistry, BookStep } from './book-model.js';
import { bybitStream } from './bybit-stream.js';
import type { FakeDataset } from './candles.js';
import type { FakeMarket } from './fixtures.js';
import { collectFrames, priceSeries, type TopicState, updateDue } from './stream-feeds.js';
import { hashSeed } from './synth.js';
import { applyStreamFaults, matches, StreamFaultBook } from './stream-faults.js';
import type { ClientRequest, Refusal, StreamProtocol, TopicFrame } from './stream-protocol.js';
import type {
  FakeBook,
  StreamConnectionInfo,
  StreamFaultOptions,
  StreamFaultSpec,
  StreamLogEntry,
  StreamOptions,
  StreamVenue,
  TopicSpec,
} from './stream-types.js';
import type { FakeExchangeId, JsonValue } from './types.js';

interface Connection {
  readonly id: string;
  readonly exchange: FakeExchangeId;
  readonly venue: StreamVenue;
  readonly path: string;
  readonly protocol: StreamProtocol;
  readonly socket: WebSocket;
  /** Live topics by native name, in subscription order. */
  readonly topics: Map<string, TopicState<Connection>>;
  nextPingAt: number;
}

export interface StreamHubDeps {
  readonly now: () => number;
  readonly dataset: FakeDataset;
  readonly books: BookRegistry;
  readonly options: StreamOptions;
  readonly markets: readonly FakeMarket[];
  /** While an exchange is down, its upgrade requests are reset. */
  readonly isDown: (exchange: FakeExchangeId) => boolean;
}

const PROTOCOLS: Readonly<Record<FakeExchangeId, StreamProtocol>> = {
  binance: binanceStream,
  bybit: bybitStream,
};

/**
 * The WebSocket side of the fake exchange: sockets, subscriptions, the virtual-clock pump and
 * stream faults. Frames are built once per topic and the same string is written to every
 * subscriber; nothing runs on a real timer.
 */
export class StreamHub {
  private readonly wss = new WebSocketServer({ noServer: true, autoPong: false, perMessageDeflate: false });
  private readonly open = new Set<Connection>();
  private readonly topics = new Map<string, TopicState<Connection>>();
  private readonly steppedAt = new Map<BookModel, number>();
  private readonly faults = new StreamFaultBook();
  private readonly log: StreamLogEntry[] = [];
  private readonly pongs: Record<FakeExchangeId, number> = { binance: 0, bybit: 0 };
  private readonly slotMs: number;
  private readonly maxTrades: number;
  private readonly pingMs: number;
  private readonly klineDelayMs: (marketId: string) => number;
  private connectionCount = 0;

  constructor(private readonly deps: StreamHubDeps) {
    this.slotMs = deps.options.tradeSlotMs ?? 5000;
    this.maxTrades = deps.options.maxTradesPerPump ?? 200;
    this.pingMs = deps.options.binancePingMs ?? 180_000;
    this.klineDelayMs = deps.options.klineDelayMs ?? ((): number => 0);
  }

  /** The HTTP server's `upgrade` handler. */
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const path = new URL(req.url ?? '/', 'http://fake.invalid').pathname;
    const exchange: FakeExchangeId | undefined = path.startsWith('/binance/')
      ? 'binance'
      : path.startsWith('/bybit/')
        ? 'bybit'
        : undefined;
    const protocol = exchange === undefined ? undefined : PROTOCOLS[exchange];
    const venue = protocol?.venueOf(path);
    if (protocol === undefined || venue === undefined) {
      socket.end('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    if (this.deps.isDown(protocol.exchange)) {
      socket.destroy();
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      this.attach(ws, protocol, venue, path);
    });
  }

  /**
   * Emits every frame due between the last pump and now, per socket in time order: closed and
   * forming klines, trades, and one book step per model (when the clock moved). Resolves once the
   * frames are handed to the sockets. Returns how many frames were written.
   */
  async pump(): Promise<number> {
    const now = this.deps.now();
    const outbox = collectFrames(this.topics.values(), now, {
      tradeSlotMs: this.slotMs,
      maxTrades: this.maxTrades,
      klineDelayMs: this.klineDelayMs,
      klineUpdateMs: this.deps.options.klineUpdateMs ?? 0,
      stepBook: (model, states) => this.stepBook(model, states, now),
    });
    this.pingBinance(now);
    const sends: Promise<void>[] = [];
    let count = 0;
    for (const [connection, frames] of outbox) {
      frames.sort((a, b) => a.time - b.time);
      const sent = applyStreamFaults(this.faults, connection, frames);
      count += sent.length;
      const last = this.write(connection, sent);
      if (last !== undefined) sends.push(last);
    }
    await Promise.all(sends);
    return count;
  }

  /** Sends a WebSocket ping frame on every open socket of the exchange now. */
  ping(exchange: FakeExchangeId): void {
    for (const connection of this.open) {
      if (connection.exchange === exchange && connection.socket.readyState === connection.socket.OPEN) {
        connection.socket.ping();
      }
    }
  }

  pongsReceived(exchange: FakeExchangeId): number {
    return this.pongs[exchange];
  }

  fault(exchange: FakeExchangeId, spec: StreamFaultSpec, options: StreamFaultOptions = {}): void {
    if (spec.kind !== 'disconnect') {
      this.faults.add(exchange, spec, options);
      return;
    }
    let remaining = options.times ?? Infinity;
    const fault = { topic: options.topic, venue: options.venue };
    for (const connection of [...this.open]) {
      if (remaining <= 0) break;
      if (connection.exchange !== exchange || !matches(fault, this.target(connection))) continue;
      connection.socket.terminate();
      remaining -= 1;
    }
  }

  clearFaults(exchange?: FakeExchangeId): void {
    this.faults.clear(exchange);
  }

  pendingFaults(exchange: FakeExchangeId): number {
    return this.faults.pending(exchange);
  }

  get streamLog(): readonly StreamLogEntry[] {
    return [...this.log];
  }

  connections(exchange: FakeExchangeId): StreamConnectionInfo[] {
    return [...this.open]
      .filter((c) => c.exchange === exchange)
      .map((c) => ({ id: c.id, venue: c.venue, path: c.path, topics: [...c.topics.keys()] }));
  }

  /** A model's book (`BTC/USDT` spot, `BTC/USDT:USDT` swap), `undefined` before any depth subscription. */
  book(exchange: FakeExchangeId, symbol: string): FakeBook | undefined {
    const market = this.deps.markets.find((m) => m.spotSymbol === symbol || m.perpSymbol === symbol);
    if (market === undefined) return undefined;
    const venue: StreamVenue = symbol === market.perpSymbol ? 'swap' : 'spot';
    return this.deps.books.get(exchange, venue, market.id)?.snapshot();
  }

  /** Terminates every socket and closes the WebSocket server. */
  async close(): Promise<void> {
    for (const connection of this.open) connection.socket.terminate();
    await new Promise<void>((resolve) => {
      this.wss.close(() => {
        resolve();
      });
    });
  }

  private attach(socket: WebSocket, protocol: StreamProtocol, venue: StreamVenue, path: string): void {
    this.connectionCount += 1;
    const connection: Connection = {
      id: `conn-${this.connectionCount}`,
      exchange: protocol.exchange,
      venue,
      path,
      protocol,
      socket,
      topics: new Map(),
      nextPingAt: this.deps.now() + this.pingMs,
    };
    this.open.add(connection);
    socket.on('message', (data: RawData) => {
      this.receive(connection, rawText(data));
    });
    socket.on('ping', (data: Buffer) => {
      if (!this.faults.pongsBlocked(connection.exchange, this.target(connection))) socket.pong(data);
    });
    socket.on('pong', () => {
      this.pongs[connection.exchange] += 1;
    });
    // A peer that vanished: 'close' follows and detaches the socket.
    socket.on('error', () => undefined);
    socket.on('close', () => {
      this.detach(connection);
    });
  }

  private detach(connection: Connection): void {
    this.open.delete(connection);
    for (const state of connection.topics.values()) this.unsubscribe(connection, state);
  }

  private receive(connection: Connection, text: string): void {
    const { protocol } = connection;
    let message: JsonValue;
    try {
      message = JSON.parse(text) as JsonValue;
    } catch {
      // Not JSON: both exchanges answer with an error and keep the socket.
      message = text;
    }
    const request = protocol.parse(message);
    const entry = { exchange: connection.exchange, venue: connection.venue, connection: connection.id };
    const record = (outcome: StreamLogEntry['outcome']): void => {
      const { op, topics } = request;
      this.log.push({ ...entry, at: this.deps.now(), op, topics, outcome, message });
    };
    switch (request.op) {
      case 'subscribe':
        record(this.subscribe(connection, request));
        return;
      case 'unsubscribe':
        for (const name of request.topics) {
          const state = connection.topics.get(name);
          if (state !== undefined) this.unsubscribe(connection, state);
        }
        this.send(connection, protocol.unsubscribed(request, connection));
        record('ok');
        return;
      case 'ping': {
        const pong = protocol.pong(request, connection, this.deps.now());
        const blocked = this.faults.pongsBlocked(connection.exchange, this.target(connection));
        if (pong !== undefined && !blocked) this.send(connection, pong);
        record(blocked ? 'ignored' : 'ok');
        return;
      }
      case 'list':
        this.send(connection, protocol.listed(request, connection, [...connection.topics.keys()]));
        record('ok');
        return;
      case 'invalid':
        this.send(connection, protocol.invalid(request, connection));
        record('refused');
        return;
    }
  }

  private subscribe(connection: Connection, request: ClientRequest): StreamLogEntry['outcome'] {
    const { protocol, venue } = connection;
    const refuse = (why: Refusal, name: string): 'refused' => {
      this.send(connection, protocol.refused(request, connection, why, name));
      return 'refused';
    };
    if (request.topics.length > protocol.maxTopicsPerRequest(venue)) return refuse('tooMany', '');
    for (const name of request.topics) {
      if (
        this.faults.take(connection.exchange, 'refuseSubscription', { venue, topics: [name] }) !== undefined
      ) {
        return refuse('fault', name);
      }
    }
    const specs: TopicSpec[] = [];
    for (const name of request.topics) {
      const spec = protocol.topic(venue, name, this.deps.markets);
      if (spec === undefined) return refuse('unknown', name);
      if (protocol.refusesDuplicates && connection.topics.has(name)) return refuse('duplicate', name);
      specs.push(spec);
    }
    const now = this.deps.now();
    const added = specs
      .filter((spec) => !connection.topics.has(spec.name))
      .map((spec) => this.join(connection, spec, now));
    this.send(connection, protocol.subscribed(request, connection));
    for (const state of added) {
      if (state.spec.kind !== 'book' || state.model === undefined) continue;
      const snapshot = protocol.bookSnapshot(state.spec, state.model, now);
      const silenced = this.faults.has(connection.exchange, 'silence', { venue, topics: [state.spec.name] });
      if (snapshot !== undefined && !silenced) this.send(connection, snapshot);
    }
    return 'ok';
  }

  private join(connection: Connection, spec: TopicSpec, now: number): TopicState<Connection> {
    let state = this.topics.get(spec.key);
    if (state === undefined) {
      const { dataset, books } = this.deps;
      const model =
        spec.kind === 'book' ? books.ensure(spec.exchange, spec.venue, spec.market, now) : undefined;
      if (model !== undefined && !this.steppedAt.has(model)) this.steppedAt.set(model, now);
      state = {
        spec,
        protocol: connection.protocol,
        subscribers: new Set(),
        since: now,
        candles: spec.kind === 'kline' ? dataset.get(spec.exchange, spec.symbol, spec.timeframe) : undefined,
        series: spec.kind === 'trade' ? priceSeries(dataset, spec) : undefined,
        model,
      };
      this.topics.set(spec.key, state);
    }
    state.subscribers.add(connection);
    connection.topics.set(spec.name, state);
    return state;
  }

  private unsubscribe(connection: Connection, state: TopicState<Connection>): void {
    connection.topics.delete(state.spec.name);
    state.subscribers.delete(connection);
    if (state.subscribers.size === 0) this.topics.delete(state.spec.key);
  }

  /** One step per model per pump that moved the clock; a pending `bookGap` adds a hidden step first. */
  private stepBook(model: BookModel, names: readonly string[], now: number): BookStep | undefined {
    const { exchange, venue, market } = model;
    const every = this.deps.options.bookStepMs ?? 0;
    const phase = every > 0 ? hashSeed(`${exchange}|${venue}|${market.id}`) % every : 0;
    if (!updateDue(this.steppedAt.get(model) ?? now, now, every, phase)) return undefined;
    this.steppedAt.set(model, now);
    const refClose = this.deps.books.referenceClose(exchange, venue, market, now);
    if (this.faults.take(exchange, 'bookGap', { venue, topics: names }) !== undefined) model.step(refClose);
    return model.step(refClose);
  }

  private pingBinance(now: number): void {
    for (const connection of this.open) {
      if (connection.exchange !== 'binance' || now < connection.nextPingAt) continue;
      connection.nextPingAt = now + this.pingMs;
      if (connection.socket.readyState === connection.socket.OPEN) connection.socket.ping();
    }
  }

  private target(connection: Connection): { venue: StreamVenue; topics: string[] } {
    return { venue: connection.venue, topics: [...connection.topics.keys()] };
  }

  private send(connection: Connection, text: string): void {
    if (connection.socket.readyState === connection.socket.OPEN) connection.socket.send(text);
  }

  /** Writes the frames; resolves when the last one is handed to the socket. */
  private write(connection: Connection, frames: readonly TopicFrame[]): Promise<void> | undefined {
    const { socket, exchange, venue } = connection;
    if (frames.length === 0 || socket.readyState !== socket.OPEN) return undefined;
    const { onCloseSent } = this.deps.options;
    const last = frames.length - 1;
    return new Promise<void>((resolve) => {
      frames.forEach((frame, i) => {
        if (onCloseSent !== undefined && frame.closed !== undefined)
          onCloseSent({ ...frame.closed, exchange, venue, topic: frame.topic });
        socket.send(
          frame.text,
          i === last
            ? () => {
                resolve();
              }
            : undefined,
        );
      });
    });
  }
}

function rawText(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  if (data instanceof ArrayBuffer) return Buffer.from(new Uint8Array(data)).toString('utf8');
  return data.toString('utf8');
}
