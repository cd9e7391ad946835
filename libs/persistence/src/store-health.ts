// mongoose is CommonJS: its named exports beyond the types come through the default export.
import mongoose from 'mongoose';
import { errorMessage } from '@app/contracts';

const { ConnectionStates } = mongoose;

/** What the probe reads of a mongoose Connection. */
export interface ProbedConnection {
  readonly readyState: mongoose.ConnectionStates;
  readonly db?: { admin(): { ping(): Promise<unknown> } } | undefined;
}

export interface StoreHealthThresholds {
  /** A ping answered slower than this: the store is busy (`degraded`), not gone. */
  readonly slowMs: number;
  /** How long a ping may take at all; past it a connected store is still only `degraded`. */
  readonly timeoutMs: number;
}

export interface StoreHealth {
  readonly status: 'up' | 'degraded' | 'down';
  /** Milliseconds the ping took, when it was answered. */
  readonly responseTime?: number;
  readonly message?: string;
}

/**
 * The store's readiness, telling busy from gone: a store the driver is connected to that answers
 * slowly, or not within the timeout (large bulk writes draining after an outage), is `degraded`:
 * reads still work, the instance stays in rotation. Only a store the driver is not connected to,
 * or one that refuses the ping, is `down`. (A timed-out ping used to be `down`, and readiness
 * flapped to 503 for 15 s while a backlog drained.)
 */
export async function probeStore(
  connection: ProbedConnection,
  thresholds: StoreHealthThresholds,
): Promise<StoreHealth> {
  const state = connection.readyState;
  const db = connection.db;
  if (state !== ConnectionStates.connected || db === undefined)
    return { status: 'down', message: `not connected (${ConnectionStates[state]})` };
  const began = performance.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    const answered = await Promise.race([
      db
        .admin()
        .ping()
        .then(() => true),
      new Promise<false>((resolve) => {
        timer = setTimeout(() => {
          resolve(false);
        }, thresholds.timeoutMs);
      }),
    ]);
    const responseTime = Math.round(performance.now() - began);
    // Busy means still connected when the wait ends. A ping sent in the moment after the store
    // went away (the driver's pool cleared, the server not yet marked unknown) waits out the
    // timeout too; by then the connection says it is lost, and readiness must not flap back to
    // 200 from the 503 the failed ping before it gave.
    if (connection.readyState !== ConnectionStates.connected)
      return { status: 'down', message: `connection lost (${ConnectionStates[connection.readyState]})` };
    if (!answered)
      return {
        status: 'degraded',
        message: `connected, but no answer to a ping within ${thresholds.timeoutMs} ms: busy`,
      };
    if (responseTime > thresholds.slowMs)
      return {
        status: 'degraded',
        responseTime,
        message: `answering slowly: a ping took ${responseTime} ms (over ${thresholds.slowMs})`,
      };
    return { status: 'up', responseTime };
  } catch (error) {
    return {
      status: 'down',
      message: `ping failed: ${errorMessage(error)}`,
    };
  } finally {
    clearTimeout(timer);
  }
}
