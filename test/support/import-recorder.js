// Module hooks (node:module register) that report every resolved import to the parent thread.
// Used by test/engine-boundary.e2e-spec.ts to see what loading a built entry point pulls in.
let port;

export function initialize(data) {
  port = data.port;
}

export async function resolve(specifier, context, next) {
  const result = await next(specifier, context);
  port.postMessage(result.url);
  return result;
}
