/**
 * `fetch` for an SDK client (e.g. `new OpenAI({ fetch: realmSafeFetch })`) under Jest.
 *
 * Jest runs a test file in its own VM realm, while `fetch` and `AbortController` come from Node's.
 * An aborted fetch rejects with Node's `DOMException` (name 'AbortError'), which is no
 * `instanceof Error` of the test's realm, and the openai SDK (6.30.1, `castToError`) then
 * stringifies it to `Error: {}`, losing the name it detects timeouts by: its own timeout surfaces
 * as a plain `APIConnectionError` instead of `APIConnectionTimeoutError`. Outside Jest the SDK
 * gets the timeout right; this re-creates such errors in the caller's realm, name and cause kept,
 * so tests see what production sees. Anything already an `Error` here passes through untouched.
 */
export const realmSafeFetch: typeof fetch = async (input, init) => {
  try {
    return await fetch(input, init);
  } catch (error) {
    throw inThisRealm(error);
  }
};

function inThisRealm(error: unknown): unknown {
  if (error instanceof Error || typeof error !== 'object' || error === null) return error;
  const { name, message } = error as { name?: unknown; message?: unknown };
  const local = new Error(typeof message === 'string' ? message : 'fetch failed', { cause: error });
  if (typeof name === 'string') local.name = name;
  return local;
}
