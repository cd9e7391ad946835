/** The gateway benchmark's figures and how they are printed (bench/gateway.bench.ts measures). */
import { availableParallelism } from 'node:os';

export const BUDGET = { getRps: 5000, getP99Ms: 20, fanOutSubscribers: 5000, fanOutP99Ms: 250 } as const;

export interface HttpFigures {
  readonly label: string;
  readonly connections: number;
  /** The offered rate (req/s) when the run was paced; null when it ran flat out. */
  readonly rate: number | null;
  readonly rps: number;
  readonly total: number;
  readonly p50: number;
  readonly p975: number;
  readonly p99: number;
  readonly max: number;
  readonly non2xx: number;
  readonly errors: number;
  readonly timeouts: number;
  /** The server process's CPU time (user + system) per answered request, µs. */
  readonly cpuUsPerRequest: number;
  /** Share of one core the server process used over the run. */
  readonly serverCores: number;
}

export interface FanOutFigures {
  readonly label: string;
  readonly subscribers: number;
  readonly subscribed: number;
  readonly connectSeconds: number;
  readonly serverSockets: string;
  readonly delivered: number;
  readonly expected: number;
  readonly shortUpdates: number;
  /** Every delivery's latency (ms), sorted. */
  readonly latencies: readonly number[];
  /** Per update: the last subscriber's latency (ms), sorted. */
  readonly completions: readonly number[];
  /** Per update: how long the server's publish call took (the emit loop), sorted. */
  readonly emitLoops: readonly number[];
  readonly disconnects: number;
  readonly firstFailure: string | null;
}

export function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? Number.NaN;
}

const ms = (value: number): string => value.toFixed(1);

/** Rows of [baseline, gateway runs...]; ratios are req/s against the row's baseline. */
export function printHttp(groups: readonly (readonly [HttpFigures, ...HttpFigures[]])[]): void {
  console.log(
    `${'HTTP'.padEnd(38)} ${'conns'.padStart(5)} ${'offered'.padStart(7)} ${'req/s'.padStart(7)} ` +
      `${'p50'.padStart(5)} ${'p97.5'.padStart(5)} ${'p99'.padStart(5)} ${'max'.padStart(5)} ` +
      `${'non-2xx'.padStart(7)} ${'errors'.padStart(6)} ${'cpu µs/req'.padStart(10)} ${'core'.padStart(5)} ` +
      '× bare'.padStart(9),
  );
  for (const [bare, ...runs] of groups)
    for (const f of [bare, ...runs]) {
      let ratio = 'baseline';
      if (f !== bare) ratio = f.rate === null ? `${(f.rps / bare.rps).toFixed(2)}×` : '—';
      console.log(
        `${f.label.padEnd(38)} ${String(f.connections).padStart(5)} ${(f.rate === null ? 'max' : String(f.rate)).padStart(7)} ` +
          `${f.rps.toFixed(0).padStart(7)} ${String(f.p50).padStart(5)} ${String(f.p975).padStart(5)} ` +
          `${String(f.p99).padStart(5)} ${String(f.max).padStart(5)} ${String(f.non2xx).padStart(7)} ` +
          `${`${f.errors}${f.timeouts > 0 ? ` (${f.timeouts} t/o)` : ''}`.padStart(6)} ` +
          `${f.cpuUsPerRequest.toFixed(0).padStart(10)} ${`${(f.serverCores * 100).toFixed(0)}%`.padStart(5)} ${ratio.padStart(9)}`,
      );
    }
  console.log(
    'latencies in ms (autocannon: whole ms; paced runs corrected for coordinated omission); req/s = mean of its ' +
      'per-second samples;\ncpu µs/req and core = the server process alone (user + system CPU over the measured run)',
  );
}

export function printFanOut(bare: FanOutFigures, gateway: FanOutFigures): void {
  console.log(
    `\n${'Socket.IO fan-out'.padEnd(22)} ${'subscribed'.padStart(10)} ${'delivered'.padStart(15)} ` +
      `${'p50 ms'.padStart(7)} ${'p99 ms'.padStart(7)} ${'max ms'.padStart(7)} ${'last/update p50'.padStart(16)} ` +
      `${'emit loop p50'.padStart(14)} ${'p99 × bare'.padStart(11)}`,
  );
  for (const f of [bare, gateway]) {
    const p99 = percentile(f.latencies, 0.99);
    const ratio = f === bare ? 'baseline' : `${(p99 / percentile(bare.latencies, 0.99)).toFixed(2)}×`;
    console.log(
      `${f.label.padEnd(22)} ${`${f.subscribed}/${f.subscribers}`.padStart(10)} ${`${f.delivered}/${f.expected}`.padStart(15)} ` +
        `${ms(percentile(f.latencies, 0.5)).padStart(7)} ${ms(p99).padStart(7)} ` +
        `${ms(f.latencies.at(-1) ?? Number.NaN).padStart(7)} ${ms(percentile(f.completions, 0.5)).padStart(16)} ` +
        `${ms(percentile(f.emitLoops, 0.5)).padStart(14)} ${ratio.padStart(11)}`,
    );
  }
  for (const f of [bare, gateway])
    console.log(
      `  ${f.label}: connect + subscribe ${f.connectSeconds.toFixed(1)} s; server saw ${f.serverSockets}; ` +
        `updates not delivered to all ${f.shortUpdates}; client disconnects ${f.disconnects}` +
        (f.firstFailure === null ? '' : `; first connect failure: ${f.firstFailure}`),
    );
  console.log(
    'latency = arrival at a subscriber − the server\'s stamp just before publishing; "last/update" = the slowest ' +
      'subscriber of each update;\n"emit loop" = the server\'s publish call (the gateway: bus validation, handlers, ' +
      'the frame written to every socket)',
  );
}

/** PASS/MISS against DESIGN.md: GET at the budget rate, the fan-out at the budget size. */
export function printBudget(get: HttpFigures, fan: FanOutFigures): void {
  const verdict = (ok: boolean): string => (ok ? 'PASS' : 'MISS');
  const getOk =
    get.rps >= BUDGET.getRps * 0.99 && get.p99 <= BUDGET.getP99Ms && get.non2xx === 0 && get.errors === 0;
  const p99 = percentile(fan.latencies, 0.99);
  const fanOk =
    p99 <= BUDGET.fanOutP99Ms && fan.delivered === fan.expected && fan.subscribed === fan.subscribers;
  console.log(
    `\nbudget (DESIGN.md: gateway on 2 cores; this machine has ${availableParallelism()}, shared with the load generators)`,
  );
  console.log(
    `  GET latest ≥ ${BUDGET.getRps} req/s with p99 ≤ ${BUDGET.getP99Ms} ms: offered ${get.rate ?? 'max'}, ` +
      `served ${get.rps.toFixed(0)} req/s, p99 ${get.p99} ms   ${verdict(getOk)}`,
  );
  console.log(
    `  fan-out of one update to ${BUDGET.fanOutSubscribers} subscribers, p99 ≤ ${BUDGET.fanOutP99Ms} ms: ` +
      `${fan.subscribers} subscribers, p99 ${ms(p99)} ms, ${fan.delivered}/${fan.expected} delivered   ` +
      (fan.subscribers < BUDGET.fanOutSubscribers
        ? 'n/a (fewer subscribers than the budget names)'
        : verdict(fanOk)),
  );
}
