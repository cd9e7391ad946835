import { describe, expect, it } from '@jest/globals';
import type { ConfluenceResult } from '@app/confluence';
import {
  type DataSource,
  InputError,
  type LlmOpinion,
  NotFoundError,
  StoreUnavailableError,
  type StreamRef,
  streamRoom,
  type Timeframe,
} from '@app/contracts';
import { normalizeSymbol } from '@app/contracts/dto';
import { type DailyCost, ResultFormat, type StoredResult } from '@app/persistence';
import { ManualClock, storedResultFactory } from '@app/testing';
import { type LlmBudget, OpinionRequests } from './opinion-requests.js';

/**
 * The LLM endpoints' rules over fakes of what they use: which stream a path names and whether the
 * service tracks it, the domain result the model is asked about, where the opinion goes, and the
 * cost ledger's range, checked and summed.
 */

const NOW = Date.UTC(2026, 11, 7, 15, 30);
const BTC: StreamRef = { exchange: 'binance', symbol: 'BTC/USDT', timeframe: '1m' };
const ANSWER: LlmOpinion = {
  status: 'ok',
  signal: 'SHORT',
  confidence: 0.4,
  reasoning: 'Sellers lead.',
  risks: [],
  agrees: false,
  model: 'gpt-4o-mini',
  promptVersion: 'opinion-v1',
  promptHash: 'c'.repeat(64),
  inputHash: 'd'.repeat(64),
  createdAt: NOW,
  cached: true,
};
const BUDGET: LlmBudget = { day: '2026-12-07', spentUsd: 0.25, capUsd: 2, exhausted: false };

function requests(options: {
  readonly latest?: StoredResult;
  readonly tracked?: boolean;
  readonly source?: DataSource | null;
  readonly publishFails?: boolean;
  readonly ledger?: readonly DailyCost[] | Error;
}) {
  const asked: unknown[] = [];
  const published: { result: ConfluenceResult; source: DataSource; opinion: LlmOpinion }[] = [];
  const ranges: string[] = [];
  const errors: string[] = [];
  const latest = options.latest ?? storedResultFactory.build({ ...BTC, result: { marker: 'domain' } });
  const service = new OpinionRequests(
    {
      stream: (exchange: string, symbol: string, timeframe?: Timeframe) =>
        exchange === 'kraken'
          ? Promise.reject(new NotFoundError(`unknown market ${exchange} ${symbol}`))
          : Promise.resolve({ exchange, symbol: normalizeSymbol(symbol), timeframe: timeframe ?? '1m' }),
      latest: () => Promise.resolve(latest),
      present: (result: StoredResult) => ({ presented: streamRoom(result), llm: result.llm }),
    },
    { knows: () => options.tracked ?? true, sourceOf: () => options.source ?? null },
    {
      opinions: {
        opinionOf: (result) => {
          asked.push(result);
          return Promise.resolve(ANSWER);
        },
        refreshBudget: () => Promise.resolve(BUDGET),
      },
      publisher: {
        publish: (result, source, opinion) => {
          if (options.publishFails === true) return Promise.reject(new Error('bus down'));
          published.push({ result, source, opinion });
          return Promise.resolve();
        },
      },
      costs: {
        range: (from, to) => {
          ranges.push(`${from}..${to}`);
          const { ledger = [] } = options;
          return ledger instanceof Error ? Promise.reject(ledger) : Promise.resolve([...ledger]);
        },
      },
      clock: new ManualClock(NOW),
      logger: { log: () => undefined, warn: (line) => errors.push(line), error: (line) => errors.push(line) },
      defaultSource: 'replay',
    },
  );
  return { service, asked, published, ranges, errors, latest };
}

const failureOf = (promise: Promise<unknown>): Promise<unknown> =>
  promise.then(
    () => null,
    (error: unknown) => error,
  );

describe('OpinionRequests.opinionOfLatest', () => {
  it("asks about the stream's latest domain result, publishes the opinion, and answers both", async () => {
    const { service, asked, published, latest } = requests({ source: 'live' });

    const answer = await service.opinionOfLatest('binance', 'BTC-USDT', '1m');

    expect(asked).toEqual([{ marker: 'domain' }]);
    expect(published).toEqual([{ result: { marker: 'domain' }, source: 'live', opinion: ANSWER }]);
    expect(answer).toEqual({ result: { presented: streamRoom(latest), llm: ANSWER }, llm: ANSWER });
  });

  it("publishes under the deployment's source while the board has heard nothing of the stream", async () => {
    const { service, published } = requests({ source: null });
    await service.opinionOfLatest('binance', 'BTC/USDT');
    expect(published.map((p) => p.source)).toEqual(['replay']);
  });

  it('answers the opinion even when it cannot be published, and logs why', async () => {
    const { service, errors } = requests({ publishFails: true });
    const answer = await service.opinionOfLatest('binance', 'BTC-USDT');
    expect(answer.llm).toEqual(ANSWER);
    expect(errors).toEqual(['LLM opinion of binance BTC/USDT 1m answered but not published: bus down']);
  });

  it('is a NotFoundError for an unknown market, an untracked stream, or a legacy latest result', async () => {
    const unknown = requests({});
    const untracked = requests({ tracked: false });
    const legacy = requests({
      latest: storedResultFactory.build({ ...BTC, format: ResultFormat.RenderedV1 }),
    });

    const failures = await Promise.all([
      failureOf(unknown.service.opinionOfLatest('kraken', 'BTC-USDT')),
      failureOf(untracked.service.opinionOfLatest('mydesk', 'BTC-USDT', '5m')),
      failureOf(legacy.service.opinionOfLatest('binance', 'BTC-USDT')),
    ]);

    expect(failures.map((error) => error instanceof NotFoundError)).toEqual([true, true, true]);
    expect((failures[1] as Error).message).toMatch(/^mydesk BTC\/USDT 5m is not tracked by the service/);
    expect((failures[2] as Error).message).toMatch(/predates stored domain results/);
    expect([...unknown.asked, ...untracked.asked, ...legacy.asked]).toEqual([]);
  });
});

const day = (d: string, model: string, requests: number, promptTokens: number, completionTokens: number) => ({
  day: d,
  model,
  requests,
  promptTokens,
  completionTokens,
  costUsd: (promptTokens * 0.15 + completionTokens * 0.6) / 1_000_000,
});

describe('OpinionRequests.costs', () => {
  it('sums the ledger of the range and adds the budget; to defaults to today (UTC), from to to', async () => {
    const ledger = [
      day('2026-12-01', 'gpt-4o', 2, 1_000, 300),
      day('2026-12-01', 'gpt-4o-mini', 3, 2_100, 450),
    ];
    const { service, ranges } = requests({ ledger });

    const report = await service.costs({ from: '2026-11-30', to: '2026-12-01' });
    const today = await service.costs({});
    const oneDay = await service.costs({ to: '2026-11-30' });

    expect(report).toEqual({
      from: '2026-11-30',
      to: '2026-12-01',
      days: ledger,
      totals: {
        requests: 5,
        promptTokens: 3_100,
        completionTokens: 750,
        costUsd: (ledger[0]?.costUsd ?? NaN) + (ledger[1]?.costUsd ?? NaN),
      },
      budget: BUDGET,
    });
    expect(today).toMatchObject({ from: '2026-12-07', to: '2026-12-07' });
    expect(oneDay).toMatchObject({ from: '2026-11-30', to: '2026-11-30' });
    expect(ranges).toEqual(['2026-11-30..2026-12-01', '2026-12-07..2026-12-07', '2026-11-30..2026-11-30']);
  });

  it.each([
    [{ from: '2026-02-30' }, ['from'], 'is not a day of the calendar: 2026-02-30'],
    [{ from: '2026-12-01', to: '2025-13-01' }, ['to'], 'is not a day of the calendar: 2025-13-01'],
    // Before the one time range of every time field (libs/contracts time-range.ts).
    [{ from: '1969-12-31', to: '1970-01-01' }, ['from'], 'must be 1970-01-01 or later: 1969-12-31'],
    [{ from: '0000-01-01', to: '0000-01-02' }, ['from', 'to'], 'must be 1970-01-01 or later: 0000-01-01'],
    [{ from: '2026-12-08' }, ['from'], 'must be ≤ to (2026-12-07, today)'],
    [{ from: '2026-12-02', to: '2026-12-01' }, ['from'], 'must be ≤ to (2026-12-01)'],
    [{ from: '2025-12-06', to: '2026-12-07' }, ['to'], 'must be within 366 days of from (both included)'],
  ])('refuses %j naming the field', async (query, fields, message) => {
    const { service, ranges } = requests({});
    const error = await failureOf(service.costs(query));
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).issues.map((issue) => issue.field)).toEqual(fields);
    expect((error as InputError).issues[0]?.message).toBe(message);
    expect(ranges).toEqual([]);
  });

  it('takes a full leap year: 366 days, both ends included', async () => {
    const { service, ranges } = requests({});
    await service.costs({ from: '2024-01-01', to: '2024-12-31' });
    expect(ranges).toEqual(['2024-01-01..2024-12-31']);
  });

  it('is a StoreUnavailableError when the ledger cannot be read, and the log says why', async () => {
    const { service, errors } = requests({ ledger: new Error('connection reset') });
    const error = await failureOf(service.costs({}));
    expect(error).toBeInstanceOf(StoreUnavailableError);
    expect(errors).toEqual([
      'GET /v1/llm/costs 2026-12-07..2026-12-07: the ledger is unreadable: connection reset',
    ]);
  });
});
