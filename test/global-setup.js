import { join } from 'node:path';
import { writeCjsShim, writeEsmAsCjs } from './cjs-shim.js';

const ROOT = join(import.meta.dirname, '..');

/** Where Jest finds ES-module wraps of CommonJS packages (see jest.config.js, moduleNameMapper). */
const SHIM_DIR = join(ROOT, 'node_modules', '.cache', 'esm-shims');

// Tests assume UTC (dates in fixtures and messages); workers inherit this.
export default async function globalSetup() {
  process.env.TZ = 'UTC';
  writeCjsShim(ROOT, '@nestjs/throttler', join(SHIM_DIR, 'nestjs-throttler.mjs'));
  writeEsmAsCjs(ROOT, '@fastify/static', 'content-disposition', join(SHIM_DIR, 'content-disposition.cjs'));
}
