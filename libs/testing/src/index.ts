export * from './config-fixture.js';
export * from './spawned-process.js';
export * from './eventually.js';
export * from './deep-equal.js';
export * from './http.js';
export * from './nest-fastify.js';
export * from './market-data.js';
export * from './talib-reference.js';
export * from './prng.js';
export * from './manual-clock.js';
export * from './fake-exchange/index.js';
export * from './factories/index.js';
export { FakeOpenAiServer } from './fake-openai/fake-openai.server.js';
export type {
  FakeOpenAiBehaviour,
  FakeOpenAiBehaviourKind,
  FakeOpenAiOptions,
  FakeOpenAiRequest,
  FakeOpenAiUsage,
} from './fake-openai/fake-openai.types.js';
export {
  countCompletionTokens,
  countPromptTokens,
  FAKE_OPENAI_CONTENT,
  NEUTRAL_OPINION_CONTENT,
  PROMPT_TOKENS_PER_MESSAGE,
} from './fake-openai/completions.js';
export { realmSafeFetch } from './fake-openai/realm-safe-fetch.js';
