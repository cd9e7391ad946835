import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import { AppConfig } from '@app/config';
import { RateLimitError } from '@app/contracts';
import { GatewayMetrics } from '@app/gateway';
import type { SignalsSocket } from './socket-types.js';

/**
 * Messages per second per socket (app.yaml `socket.messagesPerSecond`, bursts of twice that): a
 * token bucket the handshake put on the socket. Runs before the payload is even parsed.
 */
@Injectable()
export class SocketRateGuard implements CanActivate {
  constructor(
    private readonly app: AppConfig,
    private readonly metrics: GatewayMetrics,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    const socket = context.switchToWs().getClient<SignalsSocket>();
    if (socket.data.bucket.take()) return true;
    this.metrics.socketRejected.inc({ reason: 'rate' });
    throw new RateLimitError(`at most ${this.app.socket.messagesPerSecond} messages per second`);
  }
}
