import { createServer, type Server } from 'node:http';
import type { INestApplication } from '@nestjs/common';

/** Nest types its HTTP server as `any`; with the Fastify adapter it is a Node `http.Server`. */
export function httpServerOf(app: INestApplication): Server {
  return app.getHttpServer() as Server;
}

/**
 * A Node HTTP server for a loopback fake (exchange, OpenAI), listening on a free port of
 * 127.0.0.1. Node drops idle keep-alive sockets after 5 s of real time, and a client reusing one
 * just then sees a reset no test scripted; on a loaded machine 5 s between two calls is common,
 * and real services keep connections far longer.
 */
export async function listenOnLoopback(): Promise<Server> {
  const server = createServer();
  server.keepAliveTimeout = 120_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  return server;
}
