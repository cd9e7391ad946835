import { describe, expect, it } from '@jest/globals';
import { IndexBuild } from './index-build.js';

/** A model whose index build the test settles by hand, counting how often it was asked. */
function buildingModel() {
  let settle: { resolve: () => void; reject: (error: Error) => void } | undefined;
  const build = new Promise<void>((resolve, reject) => {
    settle = { resolve, reject };
  });
  const model = {
    calls: 0,
    init(): Promise<unknown> {
      model.calls++;
      return build;
    },
  };
  return { model, settle: settle as NonNullable<typeof settle> };
}

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('IndexBuild', () => {
  it('holds a first write until the index build is done, then never asks again', async () => {
    const { model, settle } = buildingModel();
    const gate = new IndexBuild(model, 60_000);
    let passed = false;
    const waiting = gate.settled().then(() => (passed = true));
    await tick();
    expect(passed).toBe(false);

    settle.resolve();
    await waiting;
    await gate.settled();
    expect(passed).toBe(true);
    expect(model.calls).toBe(1);
  });

  it('lets writes go on after a failed build, without throwing', async () => {
    const { model, settle } = buildingModel();
    const gate = new IndexBuild(model, 60_000);
    settle.reject(new Error('index build failed'));

    await expect(gate.settled()).resolves.toBeUndefined();
    await gate.settled();
    expect(model.calls).toBe(1);
  });

  it('waits no longer than its bound for a build that does not finish (a store that is down)', async () => {
    const { model } = buildingModel();
    const gate = new IndexBuild(model, 5);

    await expect(gate.settled()).resolves.toBeUndefined();
    // Not settled: the next write asks (and waits) again.
    await gate.settled();
    expect(model.calls).toBe(2);
  });
});
