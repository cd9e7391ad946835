export * from './answer/opinion-answer.js';
export * from './blend.js';
export * from './client/key-pool.js';
export * from './client/opinion-model.js';
export * from './client/openai-model.js';
export * from './costs/costs.js';
export * from './llm-metrics.js';
export * from './llm-opinions.js';
export * from './llm.indicator.js';
export * from './llm.module.js';
export * from './opinion-publisher.js';
export * from './prompt/opinion-prompt.js';
export * from './signal-opinions.js';
// The limiter (limits/): spacing and concurrency shared by every process.
export * from './limits/llm-rate-limiter.js';
export * from './limits/in-process-rate-limiter.js';
export * from './limits/redis-rate-limiter.js';
export { type LlmLimiterKeys, llmLimiterKeys } from './limits/limiter-scripts.js';
