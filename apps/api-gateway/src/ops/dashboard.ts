import { existsSync } from 'node:fs';
import { join, resolve, sep } from 'node:path';
import fastifyStatic from '@fastify/static';
import { Logger } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';

/** Vite names every asset after its content hash: a cached copy never goes stale. */
const ASSET_CACHE = 'public, max-age=31536000, immutable';

/**
 * The dashboard `npm run build` bundles into dist/dashboard (apps/api-gateway/dashboard, Vite):
 * found from this file whether it runs built (dist/apps/api-gateway/src/ops → dist/dashboard) or
 * from its source (apps/api-gateway/src/ops, in tests → dist/dashboard). Null when not built.
 */
export function dashboardDir(): string | null {
  const base = resolve(import.meta.dirname, '../../../..');
  const candidates = [join(base, 'dashboard'), join(base, 'dist', 'dashboard')];
  return candidates.find((dir) => existsSync(join(dir, 'index.html'))) ?? null;
}

/**
 * The dashboard at `/` and its assets, in every mode (its data comes from /v1 and /signals, which
 * keep their own keys and limits). One route per built file (`wildcard: false`), so any other path
 * stays the gateway's 404 in its error shape; left out of the OpenAPI document (`schemaHide`, the
 * plugin's default). The page is revalidated on every load, its hashed assets cached for good.
 */
export async function installDashboard(app: NestFastifyApplication): Promise<void> {
  const root = dashboardDir();
  if (root === null) {
    new Logger('api-gateway').warn('the dashboard is not built (npm run build): GET / answers 404');
    return;
  }
  await app.register(fastifyStatic, {
    root,
    prefix: '/',
    wildcard: false,
    index: ['index.html'],
    decorateReply: false,
    cacheControl: false,
    setHeaders: (reply, path) => {
      void reply.header('Cache-Control', path.includes(`${sep}assets${sep}`) ? ASSET_CACHE : 'no-cache');
    },
  });
}
