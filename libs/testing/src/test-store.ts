import { randomUUID } from 'node:crypto';
import mongoose, { type Connection } from 'mongoose';
import { EmbeddedMongoServer } from '@app/embedded-mongo';

export interface TestStore {
  /** Where the suite's database lives, and its name (unique per suite run). */
  readonly uri: string;
  readonly dbName: string;
  /** `embedded` by default; `mongodb` when MONGODB_URI is set (`npm run test:mongo`). */
  readonly kind: 'embedded' | 'mongodb';
  connect(options?: mongoose.ConnectOptions): Promise<Connection>;
  /** Drops the suite's database, closes connections, stops the embedded server. */
  close(): Promise<void>;
}

/**
 * Not in the testing index: it loads mongoose and the embedded server, which most suites importing
 * `@app/testing` do not need (about 0.5 s each). Import it by path.
 *
 * The store a repository suite runs against: the embedded MongoDB-compatible server by
 * default, a real MongoDB when MONGODB_URI is set — the same test code either way.
 */
export async function openTestStore(): Promise<TestStore> {
  const external = process.env.MONGODB_URI;
  const server = external === undefined ? await EmbeddedMongoServer.start({ port: 0 }) : null;
  const uri = external ?? server?.uri ?? '';
  const dbName = `confluence_test_${randomUUID().slice(0, 8)}`;
  const connections: Connection[] = [];
  return {
    uri,
    dbName,
    kind: server === null ? 'mongodb' : 'embedded',
    async connect(options = {}) {
      const connection = mongoose.createConnection(uri, {
        dbName,
        // A safety net, not a test: a busy machine can delay even a local handshake by seconds.
        serverSelectionTimeoutMS: 60_000,
        ...options,
      });
      connections.push(connection);
      await connection.asPromise();
      return connection;
    },
    async close() {
      const [first] = connections;
      if (first?.readyState === mongoose.ConnectionStates.connected) await first.dropDatabase();
      await Promise.all(connections.map((c) => c.close()));
      await server?.stop();
    },
  };
}
