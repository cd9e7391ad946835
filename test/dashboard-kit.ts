import { createHash } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { eventually, REPO_ROOT } from '@app/testing';

/**
 * The browser side of test/dashboard.e2e-spec.ts: Debian's Chromium driven by playwright-core,
 * and a record of everything a page reports that a person would call broken.
 */

export const CHROMIUM = '/usr/bin/chromium';
export const ARTIFACTS = join(REPO_ROOT, 'test-artifacts', 'dashboard');

/** Headless Chromium; a missing browser is a failure that says how to get one, never a skip. */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM))
    throw new Error(
      `${CHROMIUM} is missing: the dashboard's browser tests need Debian's chromium ` +
        '(apt-get install chromium; .ci/run installs it)',
    );
  mkdirSync(ARTIFACTS, { recursive: true });
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--no-first-run',
    ],
  });
}

/** A key and the `API_KEY_HASHES` entry for it (as `npm run cli -- api-key` prints them). */
export function dashboardKey(name: string): { key: string; hashes: string } {
  const key = `ck_${createHash('sha256').update(`dashboard-test-key:${name}`).digest('base64url')}`;
  return { key, hashes: `${name}:${createHash('sha256').update(key, 'utf8').digest('hex')}` };
}

/** Something a page reported: a console error, an uncaught exception, a failed or refused request. */
export interface Problem {
  readonly phase: string;
  readonly kind: 'console' | 'pageerror' | 'requestfailed' | 'status';
  readonly text: string;
  readonly url: string;
}

/** `confluence.updated` as a test reads it off the socket. */
export interface SocketUpdate {
  readonly exchange: string;
  readonly symbol: string;
  readonly timeframe: string;
  readonly candleTime: number;
  readonly score: number;
}

/**
 * Watches a page from before its first request: console errors, uncaught exceptions, failed
 * requests and answers ≥ 400, each tagged with the phase the test was in; and every
 * `confluence.updated` the page's socket received.
 */
export class PageWatch {
  readonly #problems: Problem[] = [];
  readonly #updates: SocketUpdate[] = [];
  #phase = 'load';

  constructor(readonly page: Page) {
    page.on('console', (message) => {
      if (message.type() === 'error') this.#record('console', message.text(), message.location().url);
    });
    page.on('pageerror', (error) => {
      this.#record('pageerror', error.message, '');
    });
    page.on('requestfailed', (request) => {
      const text = request.failure()?.errorText ?? 'failed';
      // Engine.IO aborts its own pending long-poll when it upgrades to a WebSocket or the page
      // unloads: the client's doing, not a failure (anything else aborted still counts).
      if (text === 'net::ERR_ABORTED' && /\/socket\.io\/\?.*transport=polling/.test(request.url())) return;
      this.#record('requestfailed', text, request.url());
    });
    page.on('response', (response) => {
      if (response.status() >= 400) this.#record('status', String(response.status()), response.url());
    });
    page.on('websocket', (socket) => {
      socket.on('framereceived', ({ payload }) => {
        const update = socketUpdateOf(typeof payload === 'string' ? payload : payload.toString('utf8'));
        if (update !== null) this.#updates.push(update);
      });
    });
  }

  /** Problems from here on are recorded under `name`. */
  phase(name: string): void {
    this.#phase = name;
  }

  problems(phase?: string): Problem[] {
    return this.#problems.filter((problem) => phase === undefined || problem.phase === phase);
  }

  /** The socket's update of a stream for a candle, once it came. */
  async updateFor(stream: string, candleTime: number): Promise<SocketUpdate> {
    let found: SocketUpdate | undefined;
    await eventually(() => {
      found = this.#updates.find(
        (u) => `${u.exchange}:${u.symbol}:${u.timeframe}` === stream && u.candleTime === candleTime,
      );
      return found !== undefined;
    }, `the socket's confluence.updated of ${stream} at ${candleTime}`);
    return found as SocketUpdate;
  }

  #record(kind: Problem['kind'], text: string, url: string): void {
    this.#problems.push({ phase: this.#phase, kind, text, url });
  }
}

/** A Socket.IO frame `42/signals,["confluence.updated",{…}]`, or null for any other. */
function socketUpdateOf(payload: string): SocketUpdate | null {
  const prefix = '42/signals,';
  if (!payload.startsWith(prefix)) return null;
  const [event, data] = JSON.parse(payload.slice(prefix.length)) as [string, SocketUpdate];
  return event === 'confluence.updated' ? data : null;
}

/**
 * The DOM members the page-side functions below touch. This file is typed for Node (no DOM
 * library); what runs in the page reaches them through `globalThis`, asserted to this shape.
 */
interface PageElement {
  readonly dataset: Readonly<Record<string, string | undefined>>;
  readonly textContent: string | null;
  readonly scrollWidth: number;
  readonly clientWidth: number;
  readonly value?: string;
  getAttribute(name: string): string | null;
  querySelector(selector: string): PageElement | null;
  querySelectorAll(selector: string): Iterable<PageElement> & { readonly length: number };
}

interface InPage {
  readonly document: PageElement & { readonly documentElement: PageElement };
  readonly innerWidth: number;
  readonly sessionStorage: { getItem(key: string): string | null };
}

/** A row of the markets table, read in one turn of the page (a live update cannot fall in between). */
export interface TableRow {
  readonly key: string;
  readonly candleTime: number | null;
  readonly score: number | null;
  readonly cells: Readonly<Record<string, string>>;
  /** The component bars' titles, in the table's order. */
  readonly bars: readonly string[];
}

export function tableRows(page: Page): Promise<TableRow[]> {
  return page.evaluate(() => {
    const { document } = globalThis as unknown as InPage;
    return [...document.querySelectorAll('#markets-table tbody tr[data-key]')].map((row) => {
      const cells: Record<string, string> = {};
      for (const cell of row.querySelectorAll('td[data-col]'))
        cells[cell.dataset.col ?? ''] = (cell.textContent ?? '').trim();
      const value = row.querySelector('td[data-col="score"]')?.dataset.value ?? '';
      const time = row.dataset.candleTime ?? '';
      return {
        key: row.dataset.key ?? '',
        candleTime: time === '' ? null : Number(time),
        score: value === '' ? null : Number(value),
        cells,
        bars: [...row.querySelectorAll('td[data-col="components"] .bar')].map(
          (bar) => bar.getAttribute('title') ?? '',
        ),
      };
    });
  });
}

/** Until `count` rows show a score. */
export async function waitForScoredRows(page: Page, count: number): Promise<void> {
  await page.waitForFunction((expected) => {
    const { document } = globalThis as unknown as InPage;
    const selector = '#markets-table tbody tr[data-key] td[data-value]:not([data-value=""])';
    return document.querySelectorAll(selector).length === expected;
  }, count);
}

/** Until the row of `key` shows a result for a later candle than `time`. */
export async function waitForNewerCandle(page: Page, key: string, time: number): Promise<void> {
  await page.waitForFunction(
    ([stream, since]) => {
      const { document } = globalThis as unknown as InPage;
      return Number(document.querySelector(`tr[data-key="${stream}"]`)?.dataset.candleTime) > since;
    },
    [key, time] as const,
  );
}

/** Until the markets were loaded at least `count` times (the page counts its loads). */
export async function waitForLoads(page: Page, count: number): Promise<void> {
  await page.waitForFunction((expected) => {
    const { document } = globalThis as unknown as InPage;
    return Number(document.querySelector('#table-wrap')?.dataset.loads) >= expected;
  }, count);
}

/** The data attributes of an element. */
export function datasetOf(page: Page, selector: string): Promise<Record<string, string | undefined>> {
  return page.evaluate((target) => {
    const { document } = globalThis as unknown as InPage;
    return { ...document.querySelector(target)?.dataset };
  }, selector);
}

/** Until a form field holds something. */
export async function waitForValue(page: Page, selector: string): Promise<void> {
  await page.waitForFunction((target) => {
    const { document } = globalThis as unknown as InPage;
    return (document.querySelector(target)?.value ?? '') !== '';
  }, selector);
}

/** The page's width against the viewport's, and the table's against its box. */
export function widths(page: Page): Promise<{ page: number; viewport: number; table: number; box: number }> {
  return page.evaluate(() => {
    const { document, innerWidth } = globalThis as unknown as InPage;
    const wrap = document.querySelector('#table-wrap');
    return {
      page: document.documentElement.scrollWidth,
      viewport: innerWidth,
      table: wrap?.scrollWidth ?? 0,
      box: wrap?.clientWidth ?? 0,
    };
  });
}

export function sessionItem(page: Page, key: string): Promise<string | null> {
  return page.evaluate((name) => (globalThis as unknown as InPage).sessionStorage.getItem(name), key);
}
