import { Injectable, type PipeTransform } from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { type FieldIssue, InputError, type StreamRef } from '@app/contracts';
import { normalizeSymbol, SubscriptionDto } from '@app/contracts/dto';
import { flattenValidationErrors, GatewayMetrics, tooDeepAt } from '@app/gateway';

/**
 * `subscribe` / `unsubscribe` payloads → the stream they name, or an InputError the socket filter
 * answers in the acknowledgement. Checked by hand before class-validator: a payload that is not
 * an object, or is nested deep enough to cost a core, never reaches the transformer.
 */
@Injectable()
export class SubscriptionPipe implements PipeTransform<unknown, StreamRef> {
  constructor(private readonly metrics: GatewayMetrics) {}

  transform(payload: unknown): StreamRef {
    if (typeof payload !== 'object' || payload === null || Array.isArray(payload))
      throw this.#refused([], 'expected {exchange, symbol, timeframe}');
    const deep = tooDeepAt(payload);
    if (deep !== null) throw this.#refused([], `${deep} is nested too deep`);
    const dto = plainToInstance(SubscriptionDto, payload);
    const errors = validateSync(dto, { whitelist: true, forbidNonWhitelisted: true });
    if (errors.length > 0) throw this.#refused(flattenValidationErrors(errors), 'invalid subscription');
    return { exchange: dto.exchange, symbol: normalizeSymbol(dto.symbol), timeframe: dto.timeframe };
  }

  /** Every malformed payload is counted, whatever made it so. */
  #refused(issues: readonly FieldIssue[], message: string): InputError {
    this.metrics.socketRejected.inc({ reason: 'bad-request' });
    return new InputError(issues, message);
  }
}
