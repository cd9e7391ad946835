import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { loadConfig } from '@app/config';
import { PROJECT_CONFIG_DIR } from '@app/testing';
import type { ForwardValidation } from '@app/gateway';
import { ForwardValidationSchedule } from './forward-validation.schedule.js';

/** The shipped settings (validation.yaml): the gauges refreshed more often than the maps are refitted. */
const SETTINGS = loadConfig({ env: { CONFIG_DIR: PROJECT_CONFIG_DIR } }).validation;
const GAUGES_MS = SETTINGS.gauges.refreshSeconds * 1000;
const MAPS_MS = SETTINGS.probability.refitSeconds * 1000;

/** A ForwardValidation whose runs finish when the test says so (or at once, when `instant`). */
function fakeValidation(instant: boolean) {
  const finish: (() => void)[] = [];
  const run = () =>
    instant
      ? Promise.resolve()
      : new Promise<void>((resolve) => {
          finish.push(resolve);
        });
  const validation = { refreshGauges: jest.fn(run), refitProbabilities: jest.fn(run) };
  const schedule = new ForwardValidationSchedule(validation as unknown as ForwardValidation, SETTINGS);
  const finishAll = (): void => {
    for (const resolve of finish.splice(0)) resolve();
  };
  return { validation, schedule, finishAll };
}

beforeEach(() => {
  jest.useFakeTimers();
});

afterEach(() => {
  jest.useRealTimers();
});

describe('ForwardValidationSchedule', () => {
  it('runs the gauges and the maps one gauge interval after boot, then each on its own interval', async () => {
    const { validation, schedule } = fakeValidation(true);
    schedule.onApplicationBootstrap();

    await jest.advanceTimersByTimeAsync(GAUGES_MS - 1);
    expect(validation.refreshGauges).not.toHaveBeenCalled();
    expect(validation.refitProbabilities).not.toHaveBeenCalled();
    await jest.advanceTimersByTimeAsync(1);
    expect(validation.refreshGauges).toHaveBeenCalledTimes(1);
    expect(validation.refitProbabilities).toHaveBeenCalledTimes(1);

    // Two refit intervals on: the gauges every interval, the maps once more at each refit interval.
    await jest.advanceTimersByTimeAsync(2 * MAPS_MS);
    expect(validation.refreshGauges).toHaveBeenCalledTimes(1 + (2 * MAPS_MS) / GAUGES_MS);
    expect(validation.refitProbabilities).toHaveBeenCalledTimes(3);
    await schedule.beforeApplicationShutdown();
  });

  it('skips a tick while the previous run of the same work is still going', async () => {
    const { validation, schedule, finishAll } = fakeValidation(false);
    schedule.onApplicationBootstrap();

    await jest.advanceTimersByTimeAsync(5 * GAUGES_MS);
    expect(validation.refreshGauges).toHaveBeenCalledTimes(1);
    finishAll();
    await jest.advanceTimersByTimeAsync(GAUGES_MS);
    expect(validation.refreshGauges).toHaveBeenCalledTimes(2);

    finishAll();
    await schedule.beforeApplicationShutdown();
  });

  it('stops ticking on shutdown, once the runs in flight have finished', async () => {
    const { validation, schedule, finishAll } = fakeValidation(false);
    schedule.onApplicationBootstrap();
    await jest.advanceTimersByTimeAsync(GAUGES_MS);

    let stopped = false;
    const stopping = schedule.beforeApplicationShutdown().then(() => {
      stopped = true;
    });
    await jest.advanceTimersByTimeAsync(0);
    expect(stopped).toBe(false);
    finishAll();
    await stopping;

    await jest.advanceTimersByTimeAsync(2 * MAPS_MS);
    expect(validation.refreshGauges).toHaveBeenCalledTimes(1);
    expect(validation.refitProbabilities).toHaveBeenCalledTimes(1);
  });

  it('logs a failed run and runs again on the next tick', async () => {
    const { validation, schedule } = fakeValidation(true);
    validation.refreshGauges.mockRejectedValueOnce(new Error('store down'));
    schedule.onApplicationBootstrap();

    await jest.advanceTimersByTimeAsync(2 * GAUGES_MS);
    expect(validation.refreshGauges).toHaveBeenCalledTimes(2);
    await schedule.beforeApplicationShutdown();
  });
});
