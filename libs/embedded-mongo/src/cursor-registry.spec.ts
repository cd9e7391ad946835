import { describe, expect, it } from '@jest/globals';
import { CursorRegistry, CURSOR_IDLE_MS } from './cursor-registry.js';

describe('CursorRegistry', () => {
  const docs = Array.from({ length: 5 }, (_, i) => ({ i }));

  it('returns id 0 when the first batch holds everything, otherwise keeps the rest for getMore', () => {
    const registry = new CursorRegistry();
    expect(registry.open('d.c', docs).id.isZero()).toBe(true);
    const open = registry.open('d.c', docs, { batchSize: 2, transform: (doc) => ({ ...doc, seen: true }) });
    expect(open.documents).toEqual([
      { i: 0, seen: true },
      { i: 1, seen: true },
    ]);
    const next = registry.getMore(open.id.toBigInt(), 'd.c', 2);
    expect(next.documents.map((doc) => doc.i)).toEqual([2, 3]);
    expect(next.id.equals(open.id)).toBe(true);
    expect(registry.getMore(open.id.toBigInt(), 'd.c').id.isZero()).toBe(true);
    expect(registry.size).toBe(0);
  });

  it('closes cursors idle for ten minutes', () => {
    let now = 0;
    const registry = new CursorRegistry(() => now);
    registry.open('d.c', docs, { batchSize: 1 });
    now = CURSOR_IDLE_MS - 1;
    expect(registry.closeIdle()).toBe(0);
    now = CURSOR_IDLE_MS;
    expect(registry.closeIdle()).toBe(1);
  });

  it('caps a batch so that its reply stays under 16 MiB', () => {
    const big = 'x'.repeat(6 * 1024 * 1024);
    const registry = new CursorRegistry();
    const batch = registry.open('d.c', [{ big }, { big }, { big }], { batchSize: 10 });
    expect(batch.documents).toHaveLength(2);
    expect(batch.id.isZero()).toBe(false);
  });
});
