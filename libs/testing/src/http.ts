import type { Server } from 'node:http';
import type { INestApplication } from '@nestjs/common';

/** Nest types its HTTP server as `any`; with the Fastify adapter it is a Node `http.Server`. */
export function httpServerOf(app: INestApplication): Server {
  return app.getHttpServer() as Server;
}
