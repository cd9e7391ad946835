import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { errorMessage } from '@app/contracts';
import { CommandError } from './errors.js';
import { CommandDispatcher, type EmbeddedMongoLogger } from './command-handlers.js';
import { CursorRegistry } from './cursor-registry.js';
import { type FsyncPolicy, Journal, removeJournalsBefore, replayJournals } from './journal.js';
import { encodeSnapshot, loadSnapshot, writeSnapshot } from './snapshot.js';
import { EmbeddedStorage } from './storage.js';
import {
  encodeOpMsg,
  encodeOpReply,
  FrameDecoder,
  OpCode,
  parseFrame,
  serializeDocument,
  type WireRequest,
} from './wire-protocol.js';

export interface EmbeddedMongoOptions {
  /** TCP port on 127.0.0.1; 0 (the default) picks a free one. */
  readonly port?: number;
  /**
   * Directory for the snapshot and the journal of every acknowledged write since it; without it
   * everything stays in memory.
   */
  readonly dataDir?: string;
  /** When the journal reaches the disk (default `everysec`, as Redis' appendfsync). */
  readonly journalFsync?: FsyncPolicy;
  /** How often TTL indexes are applied (default 60 s, as mongod's TTL monitor). */
  readonly ttlSweepMs?: number;
  /** How often a changed state is written to `dataDir` (default 30 s). */
  readonly snapshotIntervalMs?: number;
  readonly logger?: EmbeddedMongoLogger;
}

const HOST = '127.0.0.1';
const DEFAULT_TTL_SWEEP_MS = 60_000;
const DEFAULT_SNAPSHOT_INTERVAL_MS = 30_000;
/** Errors that only mean the peer went away. */
const QUIET_SOCKET_ERRORS: readonly string[] = [
  'ECONNRESET',
  'EPIPE',
  'ECONNABORTED',
  'ERR_STREAM_DESTROYED',
];

const stderrLogger: EmbeddedMongoLogger = {
  warn: (message) => {
    process.stderr.write(`${message}\n`);
  },
};

/**
 * An in-process server speaking the MongoDB wire protocol on 127.0.0.1, for local mode and tests
 * (DESIGN.md, "The embedded MongoDB-compatible server"). Production uses a real MongoDB.
 */
export class EmbeddedMongoServer {
  readonly uri: string;
  private readonly sockets = new Set<Socket>();
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly dispatcher: CommandDispatcher;
  private readonly cursors = new CursorRegistry();
  private connectionsCreated = 0;
  private nextRequestId = 1;
  private savedVersion: number;
  private saving: Promise<void> | undefined;
  private stopping: Promise<void> | undefined;
  private journal: Journal | null = null;

  private constructor(
    private readonly server: Server,
    readonly port: number,
    private readonly storage: EmbeddedStorage,
    private readonly options: EmbeddedMongoOptions,
    private readonly logger: EmbeddedMongoLogger,
  ) {
    this.uri = `mongodb://${HOST}:${port}/`;
    this.savedVersion = storage.version;
    this.dispatcher = new CommandDispatcher({
      storage,
      cursors: this.cursors,
      logger,
      server: {
        startedAt: new Date(),
        host: `${HOST}:${port}`,
        openConnections: () => this.sockets.size,
        totalConnections: () => this.connectionsCreated,
      },
    });
    server.on('connection', (socket) => {
      this.accept(socket);
    });
  }

  static async start(options: EmbeddedMongoOptions = {}): Promise<EmbeddedMongoServer> {
    const logger = options.logger ?? stderrLogger;
    const loaded = options.dataDir === undefined ? null : await loadSnapshot(options.dataDir);
    const storage = loaded?.storage ?? new EmbeddedStorage();
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, HOST, () => {
        server.off('error', reject);
        resolve();
      });
    });
    server.on('error', (error) => {
      logger.warn(`embedded-mongo: server error: ${error.message}`);
    });
    const instance = new EmbeddedMongoServer(
      server,
      (server.address() as AddressInfo).port,
      storage,
      options,
      logger,
    );
    if (options.dataDir !== undefined) instance.openJournal(options.dataDir, loaded?.journalFrom ?? 0);
    instance.startTimers();
    return instance;
  }

  /**
   * Replays the journal written since the snapshot (synchronously: no connection is served before
   * it is done), then appends to a generation of its own.
   */
  private openJournal(dataDir: string, from: number): void {
    const replayed = replayJournals(dataDir, from, (command) => {
      this.dispatcher.execute(command, 0);
    });
    if (replayed.commands > 0)
      this.logger.warn(`embedded-mongo: replayed ${replayed.commands} journaled write(s) after the snapshot`);
    if (replayed.truncatedBytes > 0)
      this.logger.warn(
        `embedded-mongo: ignored ${replayed.truncatedBytes} byte(s) at the end of the journal: a write cut short, never acknowledged`,
      );
    this.journal = Journal.open(dataDir, replayed.nextGeneration, this.options.journalFsync ?? 'everysec');
  }

  /** Applies TTL indexes now (the timer does this every `ttlSweepMs`); returns documents deleted. */
  sweepExpired(now: Date = new Date()): number {
    return this.storage.sweepExpired(now);
  }

  /** Writes the snapshot if anything changed since the last one (no-op without `dataDir`). */
  async saveSnapshot(): Promise<void> {
    const dataDir = this.options.dataDir;
    if (dataDir === undefined) return;
    while (this.saving) await this.saving;
    const version = this.storage.version;
    if (version === this.savedVersion) return;
    // Together, with no await between: the snapshot holds exactly the journal generations before this one.
    const journalFrom = this.journal?.rotate() ?? 0;
    this.saving = writeSnapshot(dataDir, encodeSnapshot(this.storage, journalFrom)).then(() => {
      this.savedVersion = version;
      removeJournalsBefore(dataDir, journalFrom);
    });
    try {
      await this.saving;
    } finally {
      this.saving = undefined;
    }
  }

  /** Closes every connection, stops listening and saves a final snapshot. Idempotent. */
  stop(): Promise<void> {
    this.stopping ??= this.shutdown();
    return this.stopping;
  }

  private async shutdown(): Promise<void> {
    for (const timer of this.timers) clearInterval(timer);
    const closed = new Promise<void>((resolve) => {
      this.server.close(() => {
        resolve();
      });
    });
    for (const socket of this.sockets) socket.destroy();
    await closed;
    this.cursors.clear();
    await this.saveSnapshot();
    this.journal?.close();
    this.journal = null;
  }

  private startTimers(): void {
    const sweep = setInterval(() => {
      this.runGuarded('TTL sweep', () => {
        this.sweepExpired();
        this.cursors.closeIdle();
      });
    }, this.options.ttlSweepMs ?? DEFAULT_TTL_SWEEP_MS);
    sweep.unref();
    this.timers.push(sweep);
    if (this.options.dataDir === undefined) return;
    if ((this.options.journalFsync ?? 'everysec') === 'everysec') {
      const sync = setInterval(() => {
        this.runGuarded('journal fsync', () => this.journal?.sync());
      }, 1_000);
      sync.unref();
      this.timers.push(sync);
    }
    const snapshot = setInterval(() => {
      this.saveSnapshot().catch((error: unknown) => {
        this.logger.warn(`embedded-mongo: snapshot failed: ${errorMessage(error)}`);
      });
    }, this.options.snapshotIntervalMs ?? DEFAULT_SNAPSHOT_INTERVAL_MS);
    snapshot.unref();
    this.timers.push(snapshot);
  }

  private accept(socket: Socket): void {
    if (this.stopping) {
      socket.destroy();
      return;
    }
    const connectionId = ++this.connectionsCreated;
    const decoder = new FrameDecoder();
    this.sockets.add(socket);
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
      this.runGuarded(
        `connection ${connectionId}`,
        () => {
          for (const frame of decoder.push(chunk)) {
            const reply = this.respond(parseFrame(frame), connectionId);
            if (reply) socket.write(reply);
          }
        },
        socket,
      );
    });
    socket.on('error', (error: NodeJS.ErrnoException) => {
      if (!QUIET_SOCKET_ERRORS.includes(error.code ?? '')) {
        this.logger.warn(`embedded-mongo: connection ${connectionId}: ${error.message}`);
      }
    });
    socket.on('close', () => {
      this.sockets.delete(socket);
    });
  }

  /** Runs the command and encodes the answer in the request's framing; undefined for moreToCome. */
  private respond(request: WireRequest, connectionId: number): Buffer | undefined {
    const before = this.storage.version;
    let reply = this.dispatcher.execute(request.command, connectionId);
    // Journaled before the acknowledgement leaves: what a client was told is written survives a kill.
    if (this.journal !== null && this.storage.version !== before) {
      try {
        this.journal.append(request.command);
      } catch (error) {
        this.logger.warn(`embedded-mongo: journal write failed: ${errorMessage(error)}`);
        reply = new CommandError(
          'InternalError',
          `the write was not journaled: ${errorMessage(error)}`,
        ).toReply();
      }
    }
    if (request.moreToCome) return undefined;
    let body: Uint8Array;
    try {
      body = serializeDocument(reply);
    } catch (error) {
      body = serializeDocument(
        new CommandError(
          'BSONObjectTooLarge',
          `reply could not be encoded: ${errorMessage(error)}`,
        ).toReply(),
      );
    }
    const requestId = this.nextRequestId;
    this.nextRequestId = (this.nextRequestId % 0x7fff_ffff) + 1;
    return request.opCode === OpCode.Query
      ? encodeOpReply(requestId, request.requestId, body)
      : encodeOpMsg(requestId, request.requestId, body);
  }

  /** No exception escapes a socket or timer callback: it is logged, and a bad connection is closed. */
  private runGuarded(what: string, action: () => void, socket?: Socket): void {
    try {
      action();
    } catch (error) {
      this.logger.warn(
        `embedded-mongo: ${what}: ${errorMessage(error)}${socket ? '; closing connection' : ''}`,
      );
      socket?.destroy();
    }
  }
}
