import { describe, expect, it } from '@jest/globals';
import { loadConfig } from './load-config.js';
import { type BadCase, configDirs, expectBadValueReported, issuesOf } from './testing/config-kit.js';

/** llm.yaml, its prompt template and OPENAI_API_KEYS: what loadConfig must refuse, and what it keeps. */
const BAD_LLM: readonly BadCase[] = [
  {
    name: 'a model without a price (its spend could not be counted)',
    setup: (fx) => {
      fx.patch('llm.yaml', 'model: gpt-4o-mini', 'model: gpt-5-unpriced');
    },
    file: 'llm.yaml',
    path: 'prices',
    message: /has no entry for the model "gpt-5-unpriced"/,
  },
  {
    name: 'a base URL that carries credentials',
    setup: (fx) => {
      fx.patch('llm.yaml', 'baseUrl: https://api.openai.com/v1', 'baseUrl: ftp://api.openai.com/v1');
    },
    file: 'llm.yaml',
    path: 'baseUrl',
    message: /must be an http\(s\) URL/,
  },
  {
    name: 'a blend weight above 1',
    setup: (fx) => {
      fx.patch('llm.yaml', 'blendWeight: 0', 'blendWeight: 1.5');
    },
    file: 'llm.yaml',
    path: 'blendWeight',
    message: /must not be greater than 1/,
  },
  {
    name: 'a trigger market that is not exchange:BASE/QUOTE',
    setup: (fx) => {
      fx.patch('llm.yaml', 'markets: []', 'markets: [BTC/USDT]');
    },
    file: 'llm.yaml',
    path: 'onSignalChange.markets',
    message: /exchange:BASE\/QUOTE/,
  },
  {
    name: 'a negative price',
    setup: (fx) => {
      fx.patch('llm.yaml', 'inputPerMillion: 0.15', 'inputPerMillion: -1');
    },
    file: 'llm.yaml',
    path: 'prices.gpt-4o-mini.inputPerMillion',
    message: /must not be less than 0/,
  },
  {
    name: 'a prompt that does not exist',
    setup: (fx) => {
      fx.patch('llm.yaml', 'prompt: opinion-v1', 'prompt: opinion-v9');
    },
    file: 'prompts/opinion-v9.yaml',
    path: '',
    message: /file not found/,
  },
  {
    name: 'a template without {{facts}}',
    setup: (fx) => {
      fx.patch('prompts/opinion-v1.yaml', '{{facts}}', '(facts left out)');
    },
    file: 'prompts/opinion-v1.yaml',
    path: 'user',
    message: /must contain \{\{facts\}\}/,
  },
  {
    name: 'a misspelt placeholder',
    setup: (fx) => {
      fx.patch('prompts/opinion-v1.yaml', '{{maxRisks}}', '{{maxRisk}}');
    },
    file: 'prompts/opinion-v1.yaml',
    path: 'user',
    message: /unknown placeholder \{\{maxRisk\}\}/,
  },
];

describe('llm.yaml and its prompt', () => {
  const dirOf = configDirs();

  it.each(BAD_LLM)('refuses $name', (bad) => {
    expectBadValueReported(issuesOf(dirOf(bad.setup)), bad);
  });

  it('refuses a key written into llm.yaml, without echoing it', () => {
    const issues = issuesOf(
      dirOf((fx) => {
        fx.patch('llm.yaml', 'enabled: true', 'enabled: true\napiKey: sk-live-abcdefgh');
      }),
    );

    expect(issues.find((issue) => issue.path === 'apiKey')?.message).toMatch(/looks like a secret/);
    expect(JSON.stringify(issues)).not.toContain('sk-live-abcdefgh');
  });

  it('refuses a malformed OPENAI_API_KEYS entry by position, never by value', () => {
    const issues = issuesOf(dirOf(), { OPENAI_API_KEYS: 'sk-good-key-0001,sk bad key,sk-good-key-0001' });

    expect(issues.map(({ path, message }) => ({ path, message }))).toEqual([
      { path: 'OPENAI_API_KEYS[1]', message: 'must be 8–512 printable characters without spaces' },
      { path: 'OPENAI_API_KEYS[2]', message: 'repeats an earlier key' },
    ]);
    expect(JSON.stringify(issues)).not.toContain('sk-good-key-0001');
  });

  it('hashes the template: any edit of its text changes the hash, the same text keeps it', () => {
    const load = (dir: string) => loadConfig({ env: { CONFIG_DIR: dir } }).llmPrompt;
    const shipped = load(dirOf());
    const again = load(dirOf());
    const edited = load(
      dirOf((fx) => {
        fx.patch('prompts/opinion-v1.yaml', 'You are a cautious', 'You are a careful');
      }),
    );

    expect(again.hash).toBe(shipped.hash);
    expect(edited.hash).not.toBe(shipped.hash);
    expect(edited.version).toBe(shipped.version);
  });

  it('replaces the price table whole, so a model dropped from the file is gone', () => {
    const config = loadConfig({
      env: {
        CONFIG_DIR: dirOf((fx) => {
          fx.patch('llm.yaml', '  gpt-4o: { inputPerMillion: 2.5, outputPerMillion: 10 }\n', '');
        }),
      },
    });

    expect(Object.keys(config.llm.prices).sort()).toEqual(['gpt-4.1-mini', 'gpt-4o-mini']);
  });

  it('lists the keys as given and counts them among the values no log may show', () => {
    const config = loadConfig({
      env: { CONFIG_DIR: dirOf(), OPENAI_API_KEYS: ' sk-one-000001 , sk-two-000002 ' },
    });

    expect(config.environment.openAiKeys).toEqual(['sk-one-000001', 'sk-two-000002']);
    expect(config.notices.join(' ')).not.toMatch(/OPENAI_API_KEYS/);
  });
});
