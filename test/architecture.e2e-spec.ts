import { beforeAll, describe, expect, it } from '@jest/globals';
import { ESLint } from 'eslint';
import tseslint from 'typescript-eslint';
import { REPO_ROOT } from '@app/testing';

/**
 * The dependency rules of DESIGN.md are enforced by lint, so these tests lint small snippets as
 * if they stood at given paths and check the rules fire (and stay quiet where the import is
 * allowed). Type-aware rules are switched off here: the snippets are not part of the project.
 */
let eslint: ESLint;

beforeAll(() => {
  eslint = new ESLint({
    cwd: REPO_ROOT,
    overrideConfig: [{ files: ['**/*.ts'], ...tseslint.configs.disableTypeChecked }],
  });
});

async function ruleIdsFor(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: `${REPO_ROOT}/${filePath}` });
  return (result?.messages ?? []).map((message) => message.ruleId ?? `fatal: ${message.message}`);
}

describe('architecture lint rules', () => {
  it.each([
    [
      'a lib importing an app',
      'libs/config/src/snippet.ts',
      "import { ApiGatewayModule } from '../../../apps/api-gateway/src/api-gateway.module.js';\nexport const x = ApiGatewayModule;\n",
      'import-x/no-restricted-paths',
    ],
    [
      'an app importing another app',
      'apps/api-gateway/src/snippet.ts',
      "import { MarketDataModule } from '../../market-data/src/market-data.module.js';\nexport const x = MarketDataModule;\n",
      'import-x/no-restricted-paths',
    ],
    [
      'an app importing the local-mode host',
      'apps/market-data/src/snippet.ts',
      "import { localService } from '../../../local/local.definition.js';\nexport const x = localService;\n",
      'import-x/no-restricted-paths',
    ],
    [
      'the engine importing Nest',
      'libs/confluence/src/snippet.ts',
      "import { Injectable } from '@nestjs/common';\nexport const x = Injectable;\n",
      'no-restricted-imports',
    ],
    [
      'the engine importing mongoose',
      'libs/confluence/src/snippet.ts',
      "import mongoose from 'mongoose';\nexport const x = mongoose;\n",
      'no-restricted-imports',
    ],
    [
      'the engine importing ccxt',
      'libs/confluence/src/snippet.ts',
      "import { binance } from 'ccxt';\nexport const x = binance;\n",
      'no-restricted-imports',
    ],
    [
      'the engine importing the wire classes',
      'libs/confluence/src/snippet.ts',
      "import { CandleDto } from '@app/contracts/dto';\nexport const x = CandleDto;\n",
      '@typescript-eslint/no-restricted-imports',
    ],
    [
      'the engine importing a config value (the loader comes with it)',
      'libs/confluence/src/snippet.ts',
      "import { loadConfig } from '@app/config';\nexport const x = loadConfig;\n",
      '@typescript-eslint/no-restricted-imports',
    ],
    [
      'the engine importing class-validator',
      'libs/confluence/src/snippet.ts',
      "import { IsInt } from 'class-validator';\nexport const x = IsInt;\n",
      'no-restricted-imports',
    ],
    [
      'the engine reading the clock',
      'libs/confluence/src/snippet.ts',
      'export const now = Date.now();\n',
      'no-restricted-syntax',
    ],
    [
      'an app reading process.env',
      'apps/api-gateway/src/snippet.ts',
      'export const port = process.env.PORT;\n',
      'no-restricted-properties',
    ],
    [
      'a module-level counter',
      'apps/analysis-worker/src/snippet.ts',
      'export let processed = 0;\n',
      'no-restricted-syntax',
    ],
    [
      'a module-level cache',
      'libs/config/src/snippet.ts',
      'const cache = new Map<string, number>();\nexport const read = (key: string) => cache.get(key);\n',
      'no-restricted-syntax',
    ],
    [
      'a module-level counter in the engine',
      'libs/confluence/src/snippet.ts',
      'let calls = 0;\nexport const count = () => ++calls;\n',
      'no-restricted-syntax',
    ],
    [
      'an app reading YAML',
      'apps/market-data/src/snippet.ts',
      "import { parse } from 'yaml';\nexport const x = parse;\n",
      'no-restricted-imports',
    ],
  ])('forbids %s', async (_name, filePath, code, ruleId) => {
    expect(await ruleIdsFor(filePath, code)).toContain(ruleId);
  });

  it.each([
    [
      'an app importing libs through their alias',
      'apps/api-gateway/src/snippet.ts',
      "import { AppConfig } from '@app/config';\nexport const x = AppConfig;\n",
    ],
    [
      'an app importing its own files',
      'apps/api-gateway/src/snippet.ts',
      "import { ApiGatewayModule } from './api-gateway.module.js';\nexport const x = ApiGatewayModule;\n",
    ],
    [
      'the local-mode host importing app modules',
      'local/snippet.ts',
      "import { MarketDataModule } from '../apps/market-data/src/market-data.module.js';\nexport const x = MarketDataModule;\n",
    ],
    [
      "the engine's one Nest module file importing Nest",
      'libs/confluence/src/confluence.module.ts',
      "import { Module } from '@nestjs/common';\nexport const x = Module;\n",
    ],
    [
      "the engine importing the config's types",
      'libs/confluence/src/snippet.ts',
      "import type { WeightsConfig } from '@app/config';\nexport type X = WeightsConfig;\n",
    ],
    [
      'the config lib reading process.env',
      'libs/config/src/snippet.ts',
      'export const port = process.env.PORT;\n',
    ],
    [
      'module-level constants',
      'libs/contracts/src/snippet.ts',
      "export const NAMES = ['a', 'b'] as const;\n",
    ],
  ])('allows %s', async (_name, filePath, code) => {
    expect(await ruleIdsFor(filePath, code)).toEqual([]);
  });

  it('applies the type-aware safety rules to every source file', async () => {
    const config = (await new ESLint({ cwd: REPO_ROOT }).calculateConfigForFile(
      `${REPO_ROOT}/apps/api-gateway/src/main.ts`,
    )) as { rules: Record<string, unknown> };
    const severity = (rule: string): unknown => {
      const setting = config.rules[rule];
      return Array.isArray(setting) ? setting[0] : setting;
    };

    for (const rule of [
      '@typescript-eslint/no-floating-promises',
      '@typescript-eslint/no-explicit-any',
      '@typescript-eslint/no-unsafe-assignment',
      'import-x/no-cycle',
      'import-x/no-restricted-paths',
    ]) {
      expect([rule, severity(rule)]).toEqual([rule, 2]);
    }
  });
});
