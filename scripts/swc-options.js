// @ts-check

/**
 * The one TypeScript → JavaScript transform of the project, used by `npm run build` and by Jest,
 * so the tests run the very code the services run. SWC only transpiles: `npm run typecheck` (tsc,
 * tsconfig.json) is what checks types. Nest's DI reads the constructor parameter types that
 * `decoratorMetadata` emits, as tsc's `emitDecoratorMetadata` does; `useDefineForClassFields`
 * matches tsc's default for an ES2022+ target.
 * @param {{ readonly paths?: Record<string, string[]>, readonly baseUrl?: string }} [aliases]
 *   tsconfig's `paths`, for the build: they are rewritten to relative imports (Jest maps them).
 * @returns {import('@swc/core').Options}
 */
export function swcOptions(aliases = {}) {
  return {
    jsc: {
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: true },
      target: 'es2023',
      keepClassNames: true,
      ...(aliases.paths === undefined ? {} : { baseUrl: aliases.baseUrl, paths: aliases.paths }),
    },
    module: { type: 'es6', resolveFully: true },
  };
}
