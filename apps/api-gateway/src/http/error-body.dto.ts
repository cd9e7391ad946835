import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { FieldIssue } from '@app/contracts';
import type { ErrorBody } from './errors.filter.js';

export class FieldIssueDto implements FieldIssue {
  @ApiProperty({ example: 'candles.1m[3].high' }) readonly field!: string;
  @ApiProperty({ example: 'must be ≥ max(open, close)' }) readonly message!: string;
}

/** Every error answer (the ErrorsFilter's one shape), as `/docs` shows it. */
export class ErrorBodyDto implements ErrorBody {
  @ApiProperty({ example: 400 }) readonly statusCode!: number;
  @ApiProperty({ example: 'Bad Request' }) readonly error!: string;
  @ApiProperty({ example: 'invalid input: candles.1m[3].high' }) readonly message!: string;
  @ApiPropertyOptional({ type: [FieldIssueDto], description: 'every offending field (400s)' })
  readonly errors?: FieldIssueDto[];
  @ApiPropertyOptional({ description: 'the X-Request-Id of the request, also in the logs' })
  readonly requestId?: string;
}
