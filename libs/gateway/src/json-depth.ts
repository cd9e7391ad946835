/** Deeper than any request the API defines (an order book level is 4 deep); far below a stack overflow. */
export const MAX_JSON_DEPTH = 32;

interface Frame {
  readonly value: object;
  readonly depth: number;
  readonly parent: Frame | null;
  readonly key: string | number | null;
}

/** Plain objects and arrays, as JSON.parse makes them; class instances (a socket, a DTO) are not walked. */
function isJsonContainer(value: unknown): value is object {
  if (typeof value !== 'object' || value === null) return false;
  const prototype: unknown = Object.getPrototypeOf(value);
  return Array.isArray(value) || prototype === Object.prototype || prototype === null;
}

function pathOf(frame: Frame): string {
  const parts: string[] = [];
  for (let at: Frame | null = frame; at?.key != null; at = at.parent)
    parts.push(typeof at.key === 'number' ? `[${at.key}]` : `.${at.key}`);
  return parts.reverse().join('').replace(/^\./, '');
}

/**
 * The path of the first object or array nested deeper than `maxDepth`, or null. Walks with its own
 * stack, so a hostile body of thousands of `[[[…]]]` is refused here instead of overflowing the
 * recursion of class-transformer (which would be a 500).
 */
export function tooDeepAt(value: unknown, maxDepth = MAX_JSON_DEPTH): string | null {
  if (!isJsonContainer(value)) return null;
  const stack: Frame[] = [{ value, depth: 1, parent: null, key: null }];
  for (let frame = stack.pop(); frame !== undefined; frame = stack.pop()) {
    if (frame.depth > maxDepth) return pathOf(frame);
    const entries: [string | number, unknown][] = Array.isArray(frame.value)
      ? frame.value.map((item: unknown, index) => [index, item])
      : Object.entries(frame.value);
    for (const [key, child] of entries)
      if (isJsonContainer(child)) stack.push({ value: child, depth: frame.depth + 1, parent: frame, key });
  }
  return null;
}
