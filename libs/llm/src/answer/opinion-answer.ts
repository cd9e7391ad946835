import { Signal } from '@app/contracts';

/** What the model must answer, validated: the fields of an available opinion it is responsible for. */
export interface OpinionAnswer {
  readonly signal: Signal;
  readonly confidence: number;
  readonly reasoning: string;
  readonly risks: readonly string[];
}

export interface AnswerLimits {
  readonly reasoningMaxChars: number;
  readonly maxRisks: number;
  readonly riskMaxChars: number;
}

const SIGNALS: readonly string[] = Object.values(Signal);

/**
 * The JSON schema sent as `response_format` (strict structured output). OpenAI's strict mode
 * accepts no `maxLength`/`minimum` keywords, so the bounds are stated here for other servers and
 * in the prompt, and enforced again by `parseOpinionAnswer`: an answer is never trusted to obey.
 */
export function opinionJsonSchema(limits: AnswerLimits): Record<string, unknown> {
  return {
    type: 'object',
    additionalProperties: false,
    required: ['signal', 'confidence', 'reasoning', 'risks'],
    properties: {
      signal: { type: 'string', enum: SIGNALS },
      confidence: { type: 'number', description: 'Probability that the signal is right, 0 to 1.' },
      reasoning: {
        type: 'string',
        description: `At most ${limits.reasoningMaxChars} characters, citing the figures that decided it.`,
      },
      risks: {
        type: 'array',
        items: { type: 'string', description: `At most ${limits.riskMaxChars} characters.` },
        description: `At most ${limits.maxRisks} items.`,
      },
    },
  };
}

export type AnswerCheck =
  { readonly ok: true; readonly answer: OpinionAnswer } | { readonly ok: false; readonly problem: string };

const KEYS = ['signal', 'confidence', 'reasoning', 'risks'];

/**
 * Validates the model's message content. Anything off — not JSON, a missing or extra field, a
 * signal outside the three, confidence outside 0–1, text past its bound — discards the whole
 * answer: a half-valid opinion is not shown, and nothing is trimmed into shape.
 */
export function parseOpinionAnswer(content: string | null, limits: AnswerLimits): AnswerCheck {
  if (content === null || content.trim() === '') return { ok: false, problem: 'empty answer' };
  let parsed: unknown;
  try {
    parsed = JSON.parse(content);
  } catch {
    return { ok: false, problem: 'answer is not JSON' };
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))
    return { ok: false, problem: 'answer is not a JSON object' };
  const record = parsed as Record<string, unknown>;
  const extra = Object.keys(record).filter((key) => !KEYS.includes(key));
  if (extra.length > 0) return { ok: false, problem: `unexpected field ${extra.join(', ')}` };
  const { signal, confidence, reasoning, risks } = record;
  if (typeof signal !== 'string' || !SIGNALS.includes(signal))
    return { ok: false, problem: 'signal must be LONG, NEUTRAL or SHORT' };
  if (typeof confidence !== 'number' || !Number.isFinite(confidence) || confidence < 0 || confidence > 1)
    return { ok: false, problem: 'confidence must be a number from 0 to 1' };
  if (typeof reasoning !== 'string' || reasoning.trim() === '')
    return { ok: false, problem: 'reasoning must be a non-empty string' };
  if (reasoning.length > limits.reasoningMaxChars)
    return { ok: false, problem: `reasoning is longer than ${limits.reasoningMaxChars} characters` };
  if (!Array.isArray(risks) || !risks.every((risk): risk is string => typeof risk === 'string'))
    return { ok: false, problem: 'risks must be a list of strings' };
  if (risks.length > limits.maxRisks) return { ok: false, problem: `more than ${limits.maxRisks} risks` };
  if (risks.some((risk) => risk.length > limits.riskMaxChars))
    return { ok: false, problem: `a risk is longer than ${limits.riskMaxChars} characters` };
  return { ok: true, answer: { signal: signal as Signal, confidence, reasoning: reasoning.trim(), risks } };
}
