import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, SpawnedProcess } from '@app/testing';

/**
 * A Redis of the test's own (the shared one on 6379 serves every other suite), persisted as
 * production runs it: append-only file, fsync every second. `restart()` stops it cleanly (SIGTERM:
 * Redis writes the AOF out) and starts it again on the same port and directory, so what was in it
 * survives and every client sees its connections drop.
 */
export class PrivateRedis {
  #process: SpawnedProcess | null = null;

  private constructor(
    readonly port: number,
    private readonly dir: string,
  ) {}

  static async start(): Promise<PrivateRedis> {
    const redis = new PrivateRedis(await freePort(), mkdtempSync(join(tmpdir(), 'confluence-redis-')));
    await redis.#start();
    return redis;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.#start();
  }

  async stop(): Promise<void> {
    const running = this.#process;
    this.#process = null;
    if (running === null) return;
    running.signal('SIGTERM');
    await running.exited;
  }

  /** Stops it and removes its files. */
  async destroy(): Promise<void> {
    await this.#process?.kill();
    this.#process = null;
    rmSync(this.dir, { recursive: true, force: true });
  }

  async #start(): Promise<void> {
    const args = [
      ['--port', String(this.port)],
      ['--bind', '127.0.0.1'],
      ['--dir', this.dir],
      ['--appendonly', 'yes'],
      ['--appendfsync', 'everysec'],
      ['--save', ''],
    ].flat();
    const started = SpawnedProcess.command('redis-server', args, { PATH: process.env.PATH });
    this.#process = started;
    await started.waitFor(/Ready to accept connections/, 30_000);
  }
}
