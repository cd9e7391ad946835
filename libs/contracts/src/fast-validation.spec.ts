import { describe, expect, it } from '@jest/globals';
import { plainToInstance } from 'class-transformer';
import { IsInt, IsString, ValidateIf } from 'class-validator';
import { busEventFactory, prng } from '@app/testing';
import { ANALYSIS_EVENT_PAYLOADS } from './analysis-events.js';
import { validateBusEvent } from './bus-events.js';
import { validatePayload } from './event-validation.js';
import { compileFastCheck } from './fast-validation.js';
import { AnalysisEventName, MarketEventName } from './event-names.js';
import { MARKET_EVENT_PAYLOADS } from './market-events.js';

/**
 * The compiled check against the full path it shortcuts (class-transformer + class-validator,
 * whitelist, unknown fields refused), on every bus payload class: valid payloads as publishers
 * build them, and thousands of seeded mutations of them (each field, nested ones included,
 * replaced by an edge value, removed, or joined by an unknown one). Whenever the check returns an
 * instance, the full path must accept the payload and build a strictly equal one (same classes,
 * same fields); when it returns null, the full path decides as before.
 */

const PAYLOADS = { ...MARKET_EVENT_PAYLOADS, ...ANALYSIS_EVENT_PAYLOADS } as const;
type Name = keyof typeof PAYLOADS;

const VALID: Readonly<Record<Name, () => object>> = {
  [MarketEventName.CandleClosed]: () => busEventFactory.candleClosed(),
  [MarketEventName.OrderBookSnapshot]: () => busEventFactory.orderBookSnapshot(),
  [MarketEventName.TradesBatch]: () => busEventFactory.tradesBatch(),
  [MarketEventName.DerivativesSnapshot]: () =>
    busEventFactory.derivativesSnapshot({ liquidations: { long: 2, short: 3 } }),
  [AnalysisEventName.ConfluenceUpdated]: () =>
    busEventFactory.confluenceUpdated({ components: { orderBook: null } }),
  [AnalysisEventName.SignalChanged]: () => busEventFactory.signalChanged({ from: 'LONG' }),
  [AnalysisEventName.LlmOpinion]: () => busEventFactory.llmOpinion(),
};

const EDGE_VALUES: readonly unknown[] = [
  undefined,
  null,
  Number.NaN,
  Infinity,
  -Infinity,
  -1,
  0,
  -0,
  0.5,
  1,
  100,
  100.5,
  2 ** 53,
  '',
  'x',
  '1m',
  'live',
  'LONG',
  'BTC/USDT',
  'btc/usdt',
  '\uFE0F',
  '😀',
  'c'.repeat(64),
  true,
  {},
  [],
  [1, 2],
  [{}],
  { long: 1, short: 1 },
  new Date(0),
];

function full(name: Name, payload: unknown): { ok: boolean; value?: unknown } {
  const cls: new () => object = PAYLOADS[name];
  // The full path alone: no compiled check.
  const validated = validatePayload(cls, payload);
  return validated.ok ? { ok: true, value: validated.value } : { ok: false };
}

/** Every path to a field of a plain value, nested objects and array elements included. */
function paths(value: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  if (typeof value !== 'object' || value === null) return [];
  const keys: (string | number)[] = Array.isArray(value) ? value.map((_, i) => i) : Object.keys(value);
  return keys.flatMap((key) => {
    const inner = (value as Record<string | number, unknown>)[key];
    return [[...prefix, key], ...paths(inner, [...prefix, key])];
  });
}

/** A deep copy of `value` with the field at `path` set to `replacement` (removed when `remove`). */
function mutate(
  value: unknown,
  path: readonly (string | number)[],
  replacement: unknown,
  remove: boolean,
): unknown {
  const copy: unknown = structuredClone(value);
  let target = copy as Record<string | number, unknown>;
  for (const key of path.slice(0, -1)) target = target[key] as Record<string | number, unknown>;
  const last = path.at(-1) ?? '';
  if (remove) Reflect.deleteProperty(target, last);
  else target[last] = replacement;
  return copy;
}

/**
 * Subjects left to the full path on purpose: an opinion is published a few times a minute, so its
 * conditional fields (by status) are not worth a compiled mirror.
 */
const FULL_PATH_ONLY: readonly Name[] = [AnalysisEventName.LlmOpinion];

describe('compiled bus payload checks', () => {
  const names = (Object.keys(PAYLOADS) as Name[]).filter((name) => !FULL_PATH_ONLY.includes(name));

  it('leaves the full-path-only subjects to the full path, which accepts what publishers build', () => {
    for (const name of FULL_PATH_ONLY) {
      expect(compileFastCheck(PAYLOADS[name])).toBeNull();
      const validated = validateBusEvent(name, VALID[name]());
      expect(validated.ok && validated.value instanceof PAYLOADS[name]).toBe(true);
    }
  });

  it('compile for every bus payload class, and accept what publishers build', () => {
    for (const name of names) {
      const check = compileFastCheck(PAYLOADS[name]);
      expect({ name, compiled: check !== null }).toEqual({ name, compiled: true });
      const payload = VALID[name]();
      const fast = check?.(payload) ?? null;
      const slow = full(name, payload);
      expect({ name, fast: fast !== null, slow: slow.ok }).toEqual({ name, fast: true, slow: true });
      expect(fast).toStrictEqual(slow.value);
      // Through the bus's own entry point: the same instance, of the payload's class.
      const validated = validateBusEvent(name, payload);
      expect(validated.ok && validated.value instanceof PAYLOADS[name]).toBe(true);
    }
  });

  it.each(names)(
    '%s: an instance only where the full path accepts, strictly equal to its instance',
    (name) => {
      const check = compileFastCheck(PAYLOADS[name]);
      if (check === null) throw new Error(`${name} did not compile`);
      const base = VALID[name]();
      const random = prng(name.length * 7919);
      const outcomes = { fastAccepted: 0, fullOnly: 0, bothRefused: 0 };
      const cases: unknown[] = [];
      for (const path of paths(base)) {
        cases.push(mutate(base, path, undefined, true));
        for (const edge of EDGE_VALUES) cases.push(mutate(base, path, edge, false));
      }
      // Unknown fields, at the top and nested; and a few random multi-field mutations.
      cases.push({ ...base, extra: 1 });
      for (const path of paths(base)) {
        const inner = path.reduce<unknown>(
          (value, key) => (value as Record<string | number, unknown>)[key],
          base,
        );
        if (typeof inner === 'object' && inner !== null && !Array.isArray(inner))
          cases.push(mutate(base, [...path, 'extra'], 1, false));
      }
      for (let i = 0; i < 300; i++) {
        let payload: unknown = base;
        const all = paths(base);
        // Distinct top-level-first paths of the base, so each still leads to a container.
        const chosen = [0, 1, 2].map(() => all[Math.floor(random() * all.length)] ?? []);
        chosen.sort((a, b) => b.length - a.length);
        for (const path of chosen)
          payload = mutate(payload, path, EDGE_VALUES[Math.floor(random() * EDGE_VALUES.length)], false);
        cases.push(payload);
      }
      for (const payload of cases) {
        let fast: object | null;
        try {
          fast = check(payload);
        } catch {
          // A path into a replaced field can make `mutate` build odd shapes; the check never throws.
          throw new Error(`the check threw on ${JSON.stringify(payload)}`);
        }
        const slow = full(name, payload);
        if (fast !== null) {
          expect({ payload, slow: slow.ok }).toEqual({ payload, slow: true });
          expect(fast).toStrictEqual(slow.value);
          outcomes.fastAccepted++;
        } else if (slow.ok) outcomes.fullOnly++;
        else outcomes.bothRefused++;
      }
      // The cases reach both sides of the check.
      expect(outcomes.fastAccepted).toBeGreaterThan(10);
      expect(outcomes.bothRefused).toBeGreaterThan(10);
    },
  );

  it('leaves to the full path a class with a rule it does not mirror, or an undecorated field', () => {
    class Unknown {
      @IsString() readonly name!: string;
      @IsInt({ each: true }) readonly values!: number[];
    }
    class Undecorated {
      @IsString() readonly name!: string;
      readonly loose!: string;
    }
    class Conditional {
      @ValidateIf((object: Conditional) => object.kind === 'a') @IsInt() readonly value!: number;
      @IsString() readonly kind!: string;
    }
    expect(compileFastCheck(Unknown)).toBeNull();
    expect(compileFastCheck(Undecorated)).toBeNull();
    // A condition on another field is evaluated on the built instance, as class-validator does.
    const conditional = compileFastCheck(Conditional);
    expect(conditional?.({ value: 'no', kind: 'b' })).toStrictEqual(
      plainToInstance(Conditional, { value: 'no', kind: 'b' }),
    );
    expect(conditional?.({ value: 'no', kind: 'a' })).toBeNull();
  });
});
