/** Deeper than any request the API defines (an order book level is 4 deep); far below a stack overflow. */
export const MAX_JSON_DEPTH = 32;

/** Plain objects and arrays, as JSON.parse makes them; class instances (a socket, a DTO) are not walked. */
function isJsonContainer(value: unknown): value is object {
  if (typeof value !== 'object' || value === null) return false;
  const prototype: unknown = Object.getPrototypeOf(value);
  return Array.isArray(value) || prototype === Object.prototype || prototype === null;
}

/** The containers directly in `container`, with their keys. */
function* childrenOf(container: object): Generator<[string | number, object]> {
  if (Array.isArray(container)) {
    for (let index = 0; index < container.length; index++) {
      const child: unknown = container[index];
      if (isJsonContainer(child)) yield [index, child];
    }
    return;
  }
  const record = container as Readonly<Record<string, unknown>>;
  for (const key of Object.keys(record)) {
    const child = record[key];
    if (isJsonContainer(child)) yield [key, child];
  }
}

/** The path from `root` to `target` (a container found too deep), looked for down to `depth` levels. */
function pathTo(root: object, target: object, depth: number): string | null {
  if (root === target) return '';
  if (depth <= 1) return null;
  for (const [key, child] of childrenOf(root)) {
    const rest = pathTo(child, target, depth - 1);
    if (rest !== null) return `${typeof key === 'number' ? `[${key}]` : `.${key}`}${rest}`;
  }
  return null;
}

/**
 * The path of the first object or array nested deeper than `maxDepth`, or null. Walks with its own
 * stack, so a hostile body of thousands of `[[[…]]]` is refused here instead of overflowing the
 * recursion of class-transformer (which would be a 500). The stack holds containers and their
 * depths, nothing per scalar and no path: 900,000 numbers are one loop, 30,000 trades 30,000
 * pushes (a frame and an `[index, item]` pair per element cost 100–250 ms, issue 27). The path
 * is found again, within `maxDepth + 1` levels, only for a body that is refused.
 */
export function tooDeepAt(value: unknown, maxDepth = MAX_JSON_DEPTH): string | null {
  if (!isJsonContainer(value)) return null;
  const containers: object[] = [value];
  const depths: number[] = [1];
  for (let container = containers.pop(); container !== undefined; container = containers.pop()) {
    const depth = depths.pop() ?? 0;
    if (depth > maxDepth) return (pathTo(value, container, maxDepth + 1) ?? '').replace(/^\./, '');
    if (Array.isArray(container)) {
      for (const child of container as readonly unknown[]) {
        if (!isJsonContainer(child)) continue;
        containers.push(child);
        depths.push(depth + 1);
      }
    } else {
      const record = container as Readonly<Record<string, unknown>>;
      for (const key of Object.keys(record)) {
        const child = record[key];
        if (!isJsonContainer(child)) continue;
        containers.push(child);
        depths.push(depth + 1);
      }
    }
  }
  return null;
}
