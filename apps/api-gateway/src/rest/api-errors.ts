import { applyDecorators } from '@nestjs/common';
import { ApiResponse } from '@nestjs/swagger';
import { ErrorBodyDto } from '../http/error-body.dto.js';

// 400, 401, 429 (and 413, 415 for bodies) come with every endpoint (Endpoint, http/guards.ts).
const MEANING = {
  404: 'unknown market, or no result yet',
  503: 'a dependency is unavailable; the message says what was not done',
} as const;

/** The error answers particular to an operation, each with the one error body (ErrorBodyDto). */
export function ApiErrors(...statuses: (keyof typeof MEANING)[]): MethodDecorator & ClassDecorator {
  return applyDecorators(
    ...statuses.map((status) => ApiResponse({ status, type: ErrorBodyDto, description: MEANING[status] })),
  );
}
