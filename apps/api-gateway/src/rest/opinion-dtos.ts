import { ApiProperty, ApiPropertyOptional, getSchemaPath } from '@nestjs/swagger';
import {
  type AvailableOpinion,
  type BlendedLabel,
  OpinionUnavailableReason,
  Signal,
  type UnavailableOpinion,
} from '@app/contracts';

/*
 * The model's opinion of a result (LlmOpinion, libs/contracts llm-opinion.ts) as REST shows it:
 * one of two shapes, told apart by `status`. Each class `implements` the domain type it documents,
 * and lists every field (the conformance test refuses an undeclared one), so exactly one of the
 * two matches any opinion.
 */

const SIGNALS = Object.values(Signal);
const SHA256 = { pattern: '^[0-9a-f]{64}$' } as const;

export class BlendedLabelDto implements BlendedLabel {
  @ApiProperty({
    minimum: 0,
    maximum: 1,
    description: "the model's share of the blend (llm.yaml blendWeight)",
  })
  readonly weight!: number;
  @ApiProperty({
    minimum: 0,
    maximum: 100,
    description: "(1 − weight) × engine score + weight × the model's score (50 ± 50 × confidence)",
  })
  readonly score!: number;
  @ApiProperty({ enum: SIGNALS, description: 'the label the blended score maps to' })
  readonly label!: Signal;
}

export class AvailableOpinionDto implements AvailableOpinion {
  @ApiProperty({ enum: ['ok'] }) readonly status!: 'ok';
  @ApiProperty({ enum: SIGNALS, description: "the model's signal" }) readonly signal!: Signal;
  @ApiProperty({ minimum: 0, maximum: 1, description: 'as the model stated it' })
  readonly confidence!: number;
  @ApiProperty({ description: "the model's reasoning, bounded by llm.yaml answer.reasoningMaxChars" })
  readonly reasoning!: string;
  @ApiProperty({ type: [String], description: 'the risks the model names' }) readonly risks!: string[];
  @ApiProperty({ description: "whether the model's signal equals the engine's label" })
  readonly agrees!: boolean;
  @ApiPropertyOptional({
    type: BlendedLabelDto,
    description: 'the blended label, when llm.yaml blendWeight > 0; the engine label stands otherwise',
  })
  readonly blended?: BlendedLabelDto;
  @ApiProperty({ example: 'gpt-4o-mini' }) readonly model!: string;
  @ApiProperty({ example: 'opinion-v1' }) readonly promptVersion!: string;
  @ApiProperty({ ...SHA256, description: 'SHA-256 of the prompt template' }) readonly promptHash!: string;
  @ApiProperty({ ...SHA256, description: 'the input hash of the result the opinion is about' })
  readonly inputHash!: string;
  @ApiProperty({ description: 'when the model answered (ms since the epoch, UTC)' })
  readonly createdAt!: number;
  @ApiProperty({ description: 'true: served from the cache, no request was made for it' })
  readonly cached!: boolean;
}

export class UnavailableOpinionDto implements UnavailableOpinion {
  @ApiProperty({ enum: ['unavailable'] }) readonly status!: 'unavailable';
  @ApiProperty({
    enum: Object.values(OpinionUnavailableReason),
    description: "why there is no opinion; the engine's label stands alone",
  })
  readonly reason!: OpinionUnavailableReason;
  @ApiProperty({ description: 'a short human explanation' }) readonly detail!: string;
}

/** The schema of a property holding an opinion: one of the two shapes (register both as extra models). */
export function opinionSchema(): { oneOf: { $ref: string }[] } {
  return {
    oneOf: [{ $ref: getSchemaPath(AvailableOpinionDto) }, { $ref: getSchemaPath(UnavailableOpinionDto) }],
  };
}

export const OPINION_MODELS = [AvailableOpinionDto, UnavailableOpinionDto] as const;
