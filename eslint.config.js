// @ts-check
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';
import { importX } from 'eslint-plugin-import-x';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const APPS = ['api-gateway', 'analysis-worker', 'market-data'];

/** Packages the engine must not touch: it is plain TypeScript (DESIGN.md, "Dependency direction"). */
const ENGINE_FORBIDDEN = [
  '@nestjs/*',
  'mongoose',
  'ccxt',
  'openai',
  'socket.io',
  'socket.io-client',
  'redis',
  'ioredis',
  'class-validator',
  'class-transformer',
];

/**
 * No module-level mutable state (the old services' global counters and caches): top-level
 * bindings are const, and no module owns a Map/Set instance. State lives in injected objects.
 */
const MODULE_STATE_RULES = [
  {
    selector:
      "Program > VariableDeclaration[kind!='const'], Program > ExportNamedDeclaration > VariableDeclaration[kind!='const']",
    message: 'no module-level mutable state: use const, or keep the state in an injected instance',
  },
  {
    selector:
      'Program > VariableDeclaration > VariableDeclarator > NewExpression[callee.name=/^(Map|Set|WeakMap|WeakSet)$/], Program > ExportNamedDeclaration > VariableDeclaration > VariableDeclarator > NewExpression[callee.name=/^(Map|Set|WeakMap|WeakSet)$/]',
    message:
      'no module-level mutable state: a module-level Map/Set is a global cache; keep it in an injected instance',
  },
];

export default tseslint.config(
  { ignores: ['dist/**', 'coverage/**', 'node_modules/**'] },
  js.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  ...tseslint.configs.stylisticTypeChecked,
  importX.flatConfigs.recommended,
  importX.flatConfigs.typescript,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
      globals: { ...globals.node },
    },
    settings: {
      'import-x/resolver-next': [createTypeScriptImportResolver({ project: './tsconfig.json' })],
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      // `const { result, ...rest } = event` is how a field is left out of a copy.
      '@typescript-eslint/no-unused-vars': ['error', { ignoreRestSiblings: true }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-extraneous-class': ['error', { allowWithDecorator: true }],
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true }],
      // We ban `!` (strict config) and index typed arrays inside bounds-checked loops, so an
      // `as number` on an indexed read is the one honest assertion left; this rule would demand `!`.
      '@typescript-eslint/non-nullable-type-assertion-style': 'off',
      // Cycles are ours to find, not node_modules' (@app/* aliases resolve into the workspace and
      // are still followed); walking external packages' graphs took 14.5 s of the 45 s lint.
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
      'import-x/no-self-import': 'error',
      'import-x/no-duplicates': 'error',
      'import-x/no-useless-path-segments': 'error',
      // Nest and class-validator decorators need metadata of runtime classes; importing with
      // `import type` would silently break DI, so type-only imports are decided by the rule above.
      'import-x/no-named-as-default-member': 'off',
      // The compiler already proves every import resolves and names something that exists
      // (typescript-eslint's performance guide says to turn these off); they re-parsed every
      // imported module to check it again.
      'import-x/namespace': 'off',
      'import-x/default': 'off',
      'import-x/no-unresolved': 'off',
      'import-x/no-restricted-paths': [
        'error',
        {
          zones: [
            // libs never import apps or the local-mode host.
            { target: './libs', from: './apps', message: 'libs must not import apps (apps → libs only)' },
            { target: './libs', from: './local', message: 'libs must not import the local-mode host' },
            // apps never import each other; they talk over the bus through libs/contracts.
            ...APPS.map((app) => ({
              target: `./apps/${app}`,
              from: './apps',
              except: [`./${app}`],
              message: 'apps must not import other apps; share through libs/contracts',
            })),
            { target: './apps', from: './local', message: 'apps must not import the local-mode host' },
          ],
        },
      ],
      // Only libs/config reads the environment (see the override below).
      'no-restricted-properties': [
        'error',
        {
          object: 'process',
          property: 'env',
          message: 'read configuration through @app/config, not process.env',
        },
      ],
      'no-restricted-imports': [
        'error',
        { paths: [{ name: 'yaml', message: 'only libs/config reads YAML' }] },
      ],
      'no-restricted-syntax': ['error', ...MODULE_STATE_RULES],
    },
  },
  {
    // The config lib is the one place that reads the environment and YAML.
    files: ['libs/config/**/*.ts'],
    rules: { 'no-restricted-properties': 'off', 'no-restricted-imports': 'off' },
  },
  {
    // The engine: plain TypeScript, no framework, no I/O, no clock of its own.
    files: ['libs/confluence/**/*.ts'],
    ignores: ['libs/confluence/src/confluence.module.ts', 'libs/confluence/src/confluence.module.spec.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'yaml', message: 'only libs/config reads YAML' }],
          patterns: [
            {
              group: ENGINE_FORBIDDEN,
              message:
                'the engine is plain TypeScript: no Nest (outside confluence.module.ts), mongoose, ccxt, OpenAI or sockets',
            },
            // node:crypto is pure computation (SHA-256 of the engine's inputs), not I/O.
            {
              group: ['node:*', '!node:crypto', 'fs', 'net', 'http', 'https'],
              message: 'the engine does no I/O',
            },
          ],
        },
      ],
      // Replaces the shared setting for these files, so it repeats the module-state rules.
      'no-restricted-syntax': [
        'error',
        ...MODULE_STATE_RULES,
        {
          selector: "CallExpression[callee.object.name='Date'][callee.property.name='now']",
          message: 'the engine takes a clock; it never reads Date.now()',
        },
        {
          selector: "NewExpression[callee.name='Date'][arguments.length=0]",
          message: 'the engine takes a clock; it never reads the current time',
        },
      ],
    },
  },
  {
    // The engine's sources (its specs may load the config to build engines as the apps do).
    files: ['libs/confluence/**/*.ts'],
    ignores: ['libs/confluence/src/confluence.module.ts', 'libs/confluence/**/*.spec.ts'],
    rules: {
      // Entry points, not only packages: the engine reads the plain vocabulary of @app/contracts
      // and the config's types; the wire classes and the config loader stay out of its graph
      // (test/engine-boundary.e2e-spec.ts proves it on the built engine).
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: [
            {
              name: '@app/config',
              allowTypeImports: true,
              message: 'the engine takes config values as arguments; it imports only their types',
            },
            {
              name: '@app/contracts/dto',
              message: 'the wire classes (decorators, validation) are for the edges, not the engine',
            },
          ],
        },
      ],
    },
  },
  {
    // mongoose types SchemaTypeOptions as a class, yet plain objects are how its docs declare
    // schema paths; the rule would flag every field of every schema.
    files: ['libs/persistence/src/schemas/*.ts'],
    rules: { '@typescript-eslint/no-unsafe-class-instance-assignment': 'off' },
  },
  {
    // The dashboard runs in a browser (its own tsconfig: DOM, no Node types), bundled by Vite.
    files: ['apps/api-gateway/dashboard/**/*.ts'],
    languageOptions: { globals: { ...globals.browser } },
  },
  {
    // Tests may poke at internals and build throw-away objects.
    // Test kits: libs/testing and each lib's own src/testing/ helpers (as coverage counts them).
    files: [
      '**/*.spec.ts',
      '**/*.e2e-spec.ts',
      'test/**/*.ts',
      'test/**/*.js',
      'libs/testing/**/*.ts',
      'libs/*/src/testing/**/*.ts',
    ],
    rules: {
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/unbound-method': 'off',
      'no-restricted-properties': 'off',
      // Jest suites keep per-file fixtures (`let app`) at the top level by design.
      'no-restricted-syntax': 'off',
    },
  },
  {
    // Cross-app tests read compose files and fixtures as YAML.
    files: ['test/**/*.ts'],
    rules: { 'no-restricted-imports': 'off' },
  },
  {
    files: ['**/*.js'],
    ...tseslint.configs.disableTypeChecked,
  },
  prettier,
);
