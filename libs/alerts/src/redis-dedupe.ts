import type { SharedDedupe } from './channel-dispatcher.js';

/** The one Redis command the claim needs (ioredis' `set` with PX and NX). */
export interface RedisSetNx {
  set(key: string, value: string, px: 'PX', ms: number, nx: 'NX'): Promise<'OK' | null>;
}

/**
 * The dedupe window shared by every gateway replica: each replica hears every event on the bus
 * and runs the same rules, so each would send the same alert. The first to `SET key NX PX window`
 * sends it; the others record it `deduped`.
 */
export class RedisDedupe implements SharedDedupe {
  constructor(
    private readonly redis: RedisSetNx,
    private readonly prefix: string,
  ) {}

  async claim(key: string, windowMs: number): Promise<boolean> {
    return (await this.redis.set(`${this.prefix}:alerts:dedupe:${key}`, '1', 'PX', windowMs, 'NX')) === 'OK';
  }
}
