/** How a key stands: usable, resting after a 429 until `until`, or refused by the endpoint (401/403). */
export type KeyState =
  | { readonly state: 'ready' }
  | { readonly state: 'cooling'; readonly until: number }
  | { readonly state: 'invalid'; readonly status: number };

/** What health shows of a key: its last four characters and state, never more of it. */
export interface KeyHealth {
  readonly key: string;
  readonly state: KeyState['state'];
  /** While cooling: when the key may be used again (ms, UTC). */
  readonly until?: number;
}

interface PooledKey {
  readonly secret: string;
  readonly hint: string;
  state: KeyState;
}

/** `…abcd`: how every log line, metric and health answer names a key. */
export function keyHint(secret: string): string {
  return `…${secret.slice(-4)}`;
}

/**
 * The API keys and their standing, shared by every request of this process. Keys are taken in
 * turn (round robin over the usable ones), so load spreads before any key hits its limit; a 429
 * rests a key, a 401/403 retires it until restart (a revoked key does not come back by itself).
 */
export class KeyPool {
  readonly #keys: PooledKey[];
  #next = 0;

  constructor(secrets: readonly string[]) {
    this.#keys = secrets.map((secret) => ({ secret, hint: keyHint(secret), state: { state: 'ready' } }));
  }

  get size(): number {
    return this.#keys.length;
  }

  /** The next usable key at `now`, or null with when the first resting one is usable again. */
  take(
    now: number,
    exclude: ReadonlySet<string> = new Set(),
  ): { secret: string; hint: string } | { wakeAt: number | null } {
    const count = this.#keys.length;
    for (let step = 0; step < count; step++) {
      const index = (this.#next + step) % count;
      const key = this.#keys[index];
      if (key === undefined || exclude.has(key.secret)) continue;
      if (key.state.state === 'cooling' && key.state.until <= now) key.state = { state: 'ready' };
      if (key.state.state !== 'ready') continue;
      this.#next = (index + 1) % count;
      return { secret: key.secret, hint: key.hint };
    }
    const wakes = this.#keys
      .map((key) => (key.state.state === 'cooling' ? key.state.until : null))
      .filter((until): until is number => until !== null);
    return { wakeAt: wakes.length === 0 ? null : Math.min(...wakes) };
  }

  /** A 429: the key rests until `until` (the later of two rests wins). */
  cool(secret: string, until: number): void {
    const key = this.#find(secret);
    if (key === undefined || key.state.state === 'invalid') return;
    if (key.state.state === 'cooling' && key.state.until >= until) return;
    key.state = { state: 'cooling', until };
  }

  /** A 401/403: the endpoint refuses the key itself. */
  invalidate(secret: string, status: number): void {
    const key = this.#find(secret);
    if (key !== undefined) key.state = { state: 'invalid', status };
  }

  /** True when no key can ever be used again (all refused). */
  get allInvalid(): boolean {
    return this.#keys.every((key) => key.state.state === 'invalid');
  }

  health(now: number): KeyHealth[] {
    return this.#keys.map(({ hint, state }) =>
      state.state === 'cooling' && state.until > now
        ? { key: hint, state: 'cooling', until: state.until }
        : { key: hint, state: state.state === 'invalid' ? 'invalid' : 'ready' },
    );
  }

  #find(secret: string): PooledKey | undefined {
    return this.#keys.find((key) => key.secret === secret);
  }
}
