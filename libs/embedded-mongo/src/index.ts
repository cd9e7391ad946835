export { EmbeddedMongoServer, type EmbeddedMongoOptions } from './embedded-mongo.server.js';
export { SERVER_VERSION, type EmbeddedMongoLogger } from './command-handlers.js';
export { ErrorCode, type ErrorCodeName } from './errors.js';
export { FSYNC_POLICIES, type FsyncPolicy } from './journal.js';
