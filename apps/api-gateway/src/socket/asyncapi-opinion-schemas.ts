import {
  type AvailableOpinion,
  type BlendedLabel,
  type LiveLlmOpinion,
  OpinionUnavailableReason,
  type UnavailableOpinion,
} from '@app/contracts';
import {
  objectOf,
  SCORE,
  SHA256,
  SIGNALS,
  STREAM_FIELDS,
  TIME_MS,
  type JsonSchema,
} from './asyncapi-schemas.js';

/*
 * The payload schema of `llm.opinion` (LlmOpinionEvent, libs/contracts analysis-events.ts), as
 * the other payload schemas are written (asyncapi-schemas.ts): typed by the contract types, bounds
 * restating OpinionPayload's decorators (a spec checks them against the class value by value).
 * The opinion is one of two shapes told apart by `status`, each with only its own fields: stricter
 * than the class, which lets the other shape's fields through unchecked (the spec shows where).
 */

const SIGNAL: JsonSchema = { type: 'string', enum: SIGNALS };
const FRACTION = { type: 'number', minimum: 0, maximum: 1 } as const;

const BLENDED = objectOf<BlendedLabel>(
  'The label a configured share of the model would give (llm.yaml blendWeight > 0); absent at 0.',
  {
    weight: { ...FRACTION, description: "the model's share of the blend" },
    score: {
      ...SCORE,
      description: "(1 − weight) × the engine's score + weight × the model's (50 ± 50 × confidence)",
    },
    label: { ...SIGNAL, description: 'the label the blended score maps to' },
  },
);

const AVAILABLE = objectOf<AvailableOpinion>(
  "The model's validated answer.",
  {
    status: { const: 'ok' },
    signal: { ...SIGNAL, description: "the model's signal" },
    confidence: { ...FRACTION, description: 'as the model stated it' },
    reasoning: { type: 'string', maxLength: 4_000 },
    risks: { type: 'array', maxItems: 20, items: { type: 'string', maxLength: 1_000 } },
    agrees: { type: 'boolean', description: "whether the model's signal equals the engine's label" },
    blended: BLENDED,
    model: { type: 'string', minLength: 1, examples: ['gpt-4o-mini'] },
    promptVersion: { type: 'string', minLength: 1, examples: ['opinion-v1'] },
    promptHash: { ...SHA256, description: 'SHA-256 of the prompt template' },
    inputHash: { ...SHA256, description: 'the input hash of the result the opinion is about' },
    createdAt: { ...TIME_MS, description: 'when the model answered (ms, UTC)' },
    cached: { type: 'boolean', description: 'true: served from the cache, no request was made for it' },
  },
  ['blended'],
);

const UNAVAILABLE = objectOf<UnavailableOpinion>("No opinion: the engine's label stands alone.", {
  status: { const: 'unavailable' },
  reason: { type: 'string', enum: Object.values(OpinionUnavailableReason) },
  detail: { type: 'string', maxLength: 1_000, description: 'a short human explanation' },
});

export const LIVE_LLM_OPINION = objectOf<LiveLlmOpinion>(
  "The model's opinion of one result of a market stream, beside the engine's own score and label " +
    '(LlmOpinionEvent). The result is named by its candle and input hash; the same opinion is ' +
    'attached to it in REST (`llm`).',
  {
    ...STREAM_FIELDS,
    candleTime: { ...TIME_MS, description: 'open time of the candle of the result (ms, UTC)' },
    inputHash: { ...SHA256, description: 'the input hash of the result' },
    score: { ...SCORE, description: "the engine's score of the result" },
    label: { ...SIGNAL, description: "the engine's label of the result" },
    opinion: {
      oneOf: [AVAILABLE, UNAVAILABLE],
      description: "`status` ok: the model's answer; unavailable: why there is none",
    },
  },
);
