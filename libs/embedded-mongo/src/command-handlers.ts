import { errorMessage, type LogSink } from '@app/contracts';
import { BSONError } from 'bson';
import { MingoError } from 'mingo/util';
import type { BsonDocument } from './bson-values.js';
import { CATALOG_COMMANDS } from './catalog-commands.js';
import {
  commandName,
  type CommandContext,
  type CommandHandler,
  type ServerFacts,
} from './command-context.js';
import type { CursorRegistry } from './cursor-registry.js';
import { CommandError } from './errors.js';
import { READ_COMMANDS } from './read-commands.js';
import { assertValidDatabaseName, type EmbeddedStorage } from './storage.js';
import { MAX_BSON_OBJECT_SIZE, MAX_MESSAGE_SIZE_BYTES } from './wire-protocol.js';
import { WRITE_COMMANDS } from './write-commands.js';

export const SERVER_VERSION = '7.0.0-embedded';

/** The one logger port; the server only ever warns (a command it could not run). */
export type EmbeddedMongoLogger = Pick<LogSink, 'warn'>;

/** hello / isMaster: a writable standalone (no `setName`), wire versions 0–21 (MongoDB 7.0). */
const hello: CommandHandler = (_command, { connectionId }) => ({
  helloOk: true,
  ismaster: true,
  isWritablePrimary: true,
  maxBsonObjectSize: MAX_BSON_OBJECT_SIZE,
  maxMessageSizeBytes: MAX_MESSAGE_SIZE_BYTES,
  maxWriteBatchSize: 100_000,
  localTime: new Date(),
  logicalSessionTimeoutMinutes: 30,
  connectionId,
  minWireVersion: 0,
  maxWireVersion: 21,
  readOnly: false,
  ok: 1,
});

const buildInfo: CommandHandler = () => ({
  version: SERVER_VERSION,
  versionArray: [7, 0, 0, 0],
  gitVersion: 'embedded',
  bits: 64,
  debug: false,
  maxBsonObjectSize: MAX_BSON_OBJECT_SIZE,
  storageEngines: ['memory'],
  ok: 1,
});

const getParameter: CommandHandler = (command) => {
  const reply: BsonDocument = { ok: 1 };
  if (command.getParameter === '*' || command.featureCompatibilityVersion !== undefined) {
    reply.featureCompatibilityVersion = { version: '7.0' };
  }
  return reply;
};

const serverStatus: CommandHandler = (_command, { server }) => {
  const uptimeMillis = Date.now() - server.startedAt.getTime();
  return {
    host: server.host,
    version: SERVER_VERSION,
    process: 'mongod',
    pid: process.pid,
    uptime: Math.floor(uptimeMillis / 1000),
    uptimeMillis,
    localTime: new Date(),
    connections: {
      current: server.openConnections(),
      available: 1000,
      totalCreated: server.totalConnections(),
    },
    ok: 1,
  };
};

const hostInfo: CommandHandler = (_command, { server }) => ({
  system: { currentTime: new Date(), hostname: server.host },
  os: { type: process.platform },
  extra: {},
  ok: 1,
});

const ok: CommandHandler = () => ({ ok: 1 });

const ADMIN_COMMANDS: Readonly<Record<string, CommandHandler>> = Object.freeze({
  hello,
  isMaster: hello,
  ismaster: hello,
  ping: ok,
  buildInfo,
  buildinfo: buildInfo,
  getParameter,
  endSessions: ok,
  connectionStatus: () => ({ authInfo: { authenticatedUsers: [], authenticatedUserRoles: [] }, ok: 1 }),
  serverStatus,
  hostInfo,
  whatsmyuri: (_command, { connectionId }) => ({ you: `127.0.0.1:${connectionId}`, ok: 1 }),
});

const HANDLERS: Readonly<Record<string, CommandHandler>> = Object.freeze({
  ...ADMIN_COMMANDS,
  ...READ_COMMANDS,
  ...WRITE_COMMANDS,
  ...CATALOG_COMMANDS,
});

/** A standalone mongod rejects anything that belongs to a transaction. */
function isTransactional(command: BsonDocument, name: string): boolean {
  return (
    name === 'commitTransaction' ||
    name === 'abortTransaction' ||
    command.startTransaction === true ||
    command.autocommit === false ||
    command.txnNumber !== undefined
  );
}

export interface DispatcherDependencies {
  readonly storage: EmbeddedStorage;
  readonly cursors: CursorRegistry;
  readonly server: ServerFacts;
  readonly logger: EmbeddedMongoLogger;
}

/** Runs one command document and always answers with a reply document (never throws). */
export class CommandDispatcher {
  constructor(private readonly dependencies: DispatcherDependencies) {}

  execute(command: BsonDocument, connectionId: number): BsonDocument {
    const name = commandName(command);
    try {
      const db = command.$db;
      if (typeof db !== 'string') {
        throw new CommandError('Location40414', "BSON field '$db' is missing but a required field");
      }
      assertValidDatabaseName(db);
      if (isTransactional(command, name)) {
        throw new CommandError(
          'IllegalOperation',
          'Transaction numbers are only allowed on a replica set member or mongos',
        );
      }
      const handler = Object.hasOwn(HANDLERS, name) ? HANDLERS[name] : undefined;
      if (!handler) throw new CommandError('CommandNotFound', `no such command: '${name}'`);
      const context: CommandContext = { ...this.dependencies, db, connectionId };
      return handler(command, context);
    } catch (error) {
      return this.errorReply(name, error);
    }
  }

  private errorReply(name: string, error: unknown): BsonDocument {
    if (error instanceof CommandError) return error.toReply();
    if (error instanceof MingoError || error instanceof BSONError) {
      return new CommandError('BadValue', error.message).toReply();
    }
    const detail = error instanceof Error ? (error.stack ?? error.message) : errorMessage(error);
    this.dependencies.logger.warn(`embedded-mongo: command '${name}' failed: ${detail}`);
    return new CommandError('InternalError', `command '${name}' failed: ${errorMessage(error)}`).toReply();
  }
}
