/**
 * The embedded store on a worker thread of the bench process (`--store-thread`): the same server,
 * reached over TCP as before, with its CPU off the event loop the pipeline runs on. Measures the
 * "embedded store off the main thread" lever of issue 24 without changing local mode itself.
 */
import { isMainThread, parentPort, Worker } from 'node:worker_threads';
import { EmbeddedMongoServer } from '@app/embedded-mongo';

/** What the bench holds: the store's URI, and how to stop it. */
export interface StoreHandle {
  readonly uri: string;
  stop(): Promise<void>;
}

/** Starts the embedded server in this thread, or on a worker thread of its own. */
export async function startStore(onThread: boolean): Promise<StoreHandle> {
  if (!onThread) {
    const server = await EmbeddedMongoServer.start({ port: 0 });
    return { uri: server.uri, stop: () => server.stop() };
  }
  const worker = new Worker(new URL(import.meta.url));
  const uri = await new Promise<string>((resolve, reject) => {
    worker.once('message', (message: unknown) => {
      if (typeof message === 'string') resolve(message);
      else reject(new Error('the store thread sent no URI'));
    });
    worker.once('error', reject);
  });
  return {
    uri,
    stop: async () => {
      const exited = new Promise<void>((resolve) =>
        worker.once('exit', () => {
          resolve();
        }),
      );
      worker.postMessage('stop');
      await exited;
    },
  };
}

async function serveOnThread(): Promise<void> {
  const port = parentPort;
  if (port === null) return;
  const server = await EmbeddedMongoServer.start({ port: 0 });
  port.once('message', () => {
    void server.stop().then(() => {
      port.close();
    });
  });
  port.postMessage(server.uri);
}

if (!isMainThread) await serveOnThread();
