import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import type { Browser, Page } from 'playwright-core';
import { COMPONENT_NAMES } from '@app/contracts';
import {
  type ConfigFixture,
  createConfigFixture,
  createReplayDataDir,
  freePort,
  MARKET_FILES,
  marketDataPath,
  type ReplayDataDir,
  type SpawnedProcess,
} from '@app/testing';
import {
  ARTIFACTS,
  dashboardKey,
  launchChromium,
  PageWatch,
  type Problem,
  sessionItem,
  tableRows,
  waitForLoads,
  waitForNewerCandle,
  waitForScoredRows,
  waitForValue,
  widths,
  datasetOf,
} from './dashboard-kit.js';
import { rest, restOf, scored, settled, storedAt, withoutTimes } from './dashboard-rest.js';
import { Processes, requireBuilt } from './process-kit.js';

/**
 * The dashboard in headless Chromium against local mode as `npm start` runs it (the built
 * dist/local/main.js, serving the built dist/dashboard): the table fills with the tracked markets
 * and takes live updates equal to what the socket sent and REST stores, a market's chart draws
 * what REST holds, the analyze panel answers what REST answers, the page survives the gateway
 * restarting, asks for an API key when the gateway wants one, and fits a phone. Throughout, the
 * page reports no console error and no failed request beyond the ones a phase provokes.
 */

const LOCAL = 'dist/local/main.js';
const BTC = 'binance:BTC/USDT:1m';

/** The fields of a stored result the table shows. */
interface StoredResult {
  readonly timeframe: string;
  readonly score: number;
  readonly label: string;
  readonly confidence: number;
  readonly coverage: number;
  readonly timeframes: readonly {
    readonly timeframe: string;
    readonly components: readonly { readonly component: string; readonly score: number | null }[];
  }[];
}
const KEY = dashboardKey('dashboard');
const processes = new Processes();
const cleanups: (() => void | Promise<void>)[] = [];
let browser: Browser;
let fixture: ConfigFixture;
let keyedFixture: ConfigFixture;
let data: ReplayDataDir;
let keyedData: ReplayDataDir;
let open: { port: number; child: SpawnedProcess };
/** Booted beside the first tests, awaited by the one that needs it. */
let keyed: Promise<{ port: number; child: SpawnedProcess }>;
/** The main page, kept across the tests below, as a person keeps a tab open. */
let page: Page;
let watch: PageWatch;

/** Local mode on `port`: two 1m markets, replayed at 60× (an update a second each after the first 200). */
async function startLocal(
  port: number,
  config: ConfigFixture,
  env: Record<string, string> = {},
  dataDir = data.dir,
): Promise<SpawnedProcess> {
  const child = processes.node(LOCAL, {
    PORT: String(port),
    CONFIG_DIR: config.dir,
    DATA_DIR: dataDir,
    NODE_ENV: 'development',
    LOG_FORMAT: 'json',
    ...env,
  });
  await child.waitFor(new RegExp(`local listening on http://127\\.0\\.0\\.1:${port}`));
  return child;
}

/** No problem in `phase`, or only ones `expected` accepts; names the others. */
function expectOnly(phase: string, expected: (problem: Problem) => boolean = () => false): Problem[] {
  const problems = watch.problems(phase);
  expect(problems.filter((problem) => !expected(problem))).toEqual([]);
  return problems;
}

const shot = (target: Page, name: string) =>
  target.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });

/** A throw-away directory, removed after the suite (only what beforeAll got to create). */
function kept<T extends { cleanup(): void }>(resource: T): T {
  cleanups.push(() => {
    resource.cleanup();
  });
  return resource;
}

beforeAll(async () => {
  requireBuilt([LOCAL, 'dist/dashboard/index.html']);
  data = kept(
    createReplayDataDir([
      { file: MARKET_FILES.btc1m, limit: 800 },
      { file: MARKET_FILES.ltc1m, limit: 800 },
    ]),
  );
  // The keyed gateway only has to show a market: a short replay (11 results) keeps its boot cheap.
  keyedData = kept(createReplayDataDir([{ file: MARKET_FILES.ltc1m, limit: 60 }]));
  fixture = kept(createConfigFixture());
  fixture.patch('app.yaml', 'logUpdates: true', 'logUpdates: false');
  keyedFixture = kept(createConfigFixture());
  keyedFixture.patch('app.yaml', 'logUpdates: true', 'logUpdates: false');
  keyedFixture.patch('app.yaml', 'readsRequireKey: false', 'readsRequireKey: true');
  keyedFixture.patch('app.yaml', 'socketsRequireKey: false', 'socketsRequireKey: true');
  const [openPort, keyedPort] = [await freePort(), await freePort()];
  keyed = startLocal(keyedPort, keyedFixture, { API_KEY_HASHES: KEY.hashes }, keyedData.dir).then(
    (child) => ({
      port: keyedPort,
      child,
    }),
  );
  // A failed boot is that test's failure, not an unhandled rejection before it awaits the promise.
  keyed.catch(() => undefined);
  const [openChild, launched] = await Promise.all([startLocal(openPort, fixture), launchChromium()]);
  open = { port: openPort, child: openChild };
  browser = launched;
  cleanups.push(() => browser.close());
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  watch = new PageWatch(page);
}, 60_000);

afterAll(async () => {
  await processes.killAll();
  for (const cleanup of cleanups.reverse()) await cleanup();
});

afterEach(() => {
  // A test that failed half-way leaves its phase: the next one's problems are not mixed in.
  watch.phase('between tests');
});

describe('the dashboard (headless Chromium, local mode)', () => {
  it('fills the table with every tracked market, each row what REST stored for its candle', async () => {
    const markets = await scored(open.port);
    watch.phase('table');
    await page.goto(`http://127.0.0.1:${open.port}/`);
    await page.waitForSelector('#connection[data-state="live"]');
    await waitForScoredRows(page, markets.length);

    const rows = await tableRows(page);
    expect(rows.map((row) => row.key).sort()).toEqual(
      markets.map((m) => `${m.exchange}:${m.symbol}:${m.timeframe}`).sort(),
    );
    for (const row of rows) {
      const item = await storedAt<StoredResult>(open.port, row.key, row.candleTime ?? 0);
      const own = item.timeframes.find((entry) => entry.timeframe === item.timeframe);
      expect(row.score).toBe(item.score);
      expect(row.cells).toMatchObject({
        score: item.score.toFixed(1),
        label: item.label,
        confidence: String(Math.round(item.confidence)),
        coverage: `${Math.round(item.coverage * 100)} %`,
        // Replayed results are computed on the replay's clock, as the candle closes.
        staleness: '0 s',
        source: 'replay',
      });
      expect(row.bars).toEqual(
        COMPONENT_NAMES.map((name) => {
          const score = own?.components.find((component) => component.component === name)?.score ?? null;
          return `${name.replace(/([A-Z])/g, ' $1').toLowerCase()} ${score === null ? 'no data' : score.toFixed(1)}`;
        }),
      );
    }

    // Sorted by score, highest first, whatever arrives meanwhile; filtered by text.
    await page.click('th button[data-sort="score"]');
    const sorted = (await tableRows(page)).map((row) => row.score ?? -1);
    expect(sorted).toEqual([...sorted].sort((a, b) => b - a));
    await page.fill('#filter', 'ltc');
    expect((await tableRows(page)).map((row) => row.key)).toEqual(['binance:LTC/USDT:1m']);
    await page.fill('#filter', '');
    await shot(page, 'table');
    expectOnly('table');
  });

  it('takes a live score: the row shows what the socket sent, which REST then holds for that candle', async () => {
    watch.phase('live');
    const before = (await tableRows(page)).find((row) => row.key === BTC);
    await waitForNewerCandle(page, BTC, before?.candleTime ?? 0);
    const after = (await tableRows(page)).find((row) => row.key === BTC);
    const candleTime = after?.candleTime ?? 0;

    expect(after?.score).not.toBeNull();
    const sent = await watch.updateFor(BTC, candleTime);
    expect(after?.score).toBe(sent.score);
    expect(after?.cells.score).toBe(sent.score.toFixed(1));
    const { path, timeframe } = restOf(BTC);
    const latest = await rest<{ candleTime: string }>(
      open.port,
      `/v1/confluence/${path}?timeframe=${timeframe}`,
    );
    expect(Date.parse(latest.candleTime)).toBeGreaterThanOrEqual(candleTime);
    expect((await storedAt<{ score: number }>(open.port, BTC, candleTime)).score).toBe(sent.score);
    expectOnly('live');
  });

  it("opens a market's chart: candles and a score pane below, each label change marked, as REST holds them", async () => {
    await settled(open.port);
    watch.phase('chart');
    await page.click(`tr[data-key="${BTC}"]`);
    await page.waitForSelector('#chart-caption[data-state="ready"]');
    const drawn = await datasetOf(page, '#chart-caption');
    const { path, timeframe, query } = restOf(BTC);
    const first = Number(drawn.firstCandle);
    const last = Number(drawn.lastCandle);
    const lastScore = Number(drawn.lastScore);

    expect(drawn.panes).toBe('2');
    const candles = await rest<{ candles: unknown[] }>(
      open.port,
      `/v1/candles/${path}?timeframe=${timeframe}&from=${first}&to=${last}&limit=1000`,
    );
    expect(Number(drawn.candles)).toBe(candles.candles.length);
    expect(candles.candles.length).toBeGreaterThan(100);
    const scores = await rest<{ items: unknown[] }>(
      open.port,
      `/v1/confluence/${path}/history?timeframe=${timeframe}&from=${first}&to=${lastScore}&limit=1000`,
    );
    expect(Number(drawn.scores)).toBe(scores.items.length);
    const signals = await rest<{ items: { time: number }[] }>(
      open.port,
      `/v1/signals?${query}&since=${first}&limit=1000`,
    );
    const marked = signals.items.filter((change) => change.time <= last);
    expect(marked.length).toBeGreaterThanOrEqual(1);
    expect(Number(drawn.markers)).toBe(marked.length);
    // The breakdown, the forward-validation figures (a figure or "insufficient data" per horizon).
    expect(await page.locator('#detail table.breakdown tbody tr').count()).toBeGreaterThanOrEqual(6);
    await page.waitForSelector('#performance table.performance tbody tr[data-horizon]');
    const horizons = await page.locator('#performance tr[data-horizon]').allTextContents();
    expect(horizons).toHaveLength(4);
    for (const text of horizons) expect(text).toMatch(/insufficient data|[+-]\d\.\d{3}/);
    await shot(page, 'chart');
    await page.click('#detail button.close');
    expect(await page.locator('#detail').isHidden()).toBe(true);
    expectOnly('chart');
  });

  it("analyzes an uploaded CSV (the bundled file's first 300 lines) exactly as REST does, and names a bad field", async () => {
    watch.phase('analyze');
    const lines = readFileSync(marketDataPath(MARKET_FILES.btc1m), 'utf8').split('\n').slice(0, 300);
    await page.setInputFiles('#analyze-file', {
      name: 'btc.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from(`${lines.join('\n')}\n`),
    });
    await waitForValue(page, '#analyze-csv');
    await page.click('#analyze-submit');
    await page.waitForSelector('#analyze-output[data-state="result"]');
    const shown = JSON.parse((await page.textContent('#analyze-json')) ?? '') as Record<string, unknown>;
    const candles = lines.slice(1).map((line) => {
      const [timestamp, open, high, low, close, volume] = line.split(',').map(Number);
      return { timestamp, open, high, low, close, volume };
    });
    const answered = await rest<Record<string, unknown>>(open.port, '/v1/confluence/analyze', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ symbol: 'BTC/USDT', candles: { '1m': candles } }),
    });

    // Equal but for when each was computed (the two requests' clocks).
    expect(withoutTimes(shown)).toEqual(withoutTimes(answered));
    expect(candles).toHaveLength(299);
    expect(await page.textContent('#analyze-output [data-field="score"]')).toBe(
      (answered.score as number).toFixed(1),
    );
    await shot(page, 'analyze');
    expectOnly('analyze');

    watch.phase('analyze-error');
    await page.fill(
      '#analyze-csv',
      [lines[0], lines[1], lines[2]?.replace(/,([\d.]+),([\d.]+),/, ',$1,1,')].join('\n'),
    );
    await page.click('#analyze-submit');
    await page.waitForSelector('#analyze-output[data-state="error"]');
    expect(await page.textContent('#analyze-output')).toContain('candles.1m[1].high');
    // The one refused request, and the console line Chromium writes for it.
    const refused = expectOnly(
      'analyze-error',
      (p) => p.url.endsWith('/v1/confluence/analyze') || p.text.includes('status of 400'),
    );
    expect(refused.map((p) => p.kind).sort()).toEqual(['console', 'status']);
  });

  it('fits a 375 px wide screen: no horizontal page scroll, the table scrolls inside its box', async () => {
    watch.phase('phone');
    await page.setViewportSize({ width: 375, height: 812 });
    const table = await widths(page);

    expect(table.viewport).toBe(375);
    expect(table.page).toBeLessThanOrEqual(table.viewport);
    expect(table.table).toBeGreaterThan(table.box);
    await shot(page, 'phone');
    // And with a market open (its chart sizes itself to the screen).
    await page.click(`tr[data-key="${BTC}"] td[data-col="market"]`);
    await page.waitForSelector('#chart-caption[data-state="ready"]');
    await page.waitForSelector('#performance table.performance');
    const detail = await widths(page);
    expect(detail.page).toBeLessThanOrEqual(detail.viewport);
    await shot(page, 'phone-chart');
    await page.click('#detail button.close');
    await page.setViewportSize({ width: 1280, height: 900 });
    expectOnly('phone');
  });

  it('shows the socket lost while the gateway is down, then recovers by itself when it is back', async () => {
    watch.phase('outage');
    const loads = Number((await datasetOf(page, '#table-wrap')).loads);
    // A crash: no goodbye from the server, the connection just drops.
    open.child.signal('SIGKILL');
    await page.waitForSelector('#connection:is([data-state="reconnecting"], [data-state="disconnected"])');
    expect(await open.child.exited).toEqual({ code: null, signal: 'SIGKILL' });
    await shot(page, 'disconnected');
    expect(await page.textContent('#connection')).toMatch(/reconnecting|disconnected|cannot reach/);

    open = { port: open.port, child: await startLocal(open.port, fixture) };
    await page.waitForSelector('#connection[data-state="live"]');
    watch.phase('recovered');
    // The restarted gateway replays from the start: the table is loaded again, then moves on live.
    const markets = await scored(open.port);
    await waitForLoads(page, loads + 1);
    await waitForScoredRows(page, markets.length);
    const reloaded = (await tableRows(page)).find((row) => row.key === BTC);
    await waitForNewerCandle(page, BTC, reloaded?.candleTime ?? 0);
    const moved = (await tableRows(page)).find((row) => row.key === BTC);
    expect(moved?.score).toBe((await watch.updateFor(BTC, moved?.candleTime ?? 0)).score);
    await shot(page, 'reconnected');
    // While it was down only the socket's attempts to reconnect failed (and Chromium said so).
    const outage = expectOnly(
      'outage',
      (p) => p.url.includes('/socket.io/') || /ERR_CONNECTION_REFUSED|WebSocket/.test(p.text),
    );
    expect(outage.some((p) => p.url.includes('/socket.io/'))).toBe(true);
    expectOnly('recovered');
  });

  it('asks once for the API key a gateway wants, keeps it for the tab, and sends it with every request and the socket', async () => {
    const { port } = await keyed;
    await scored(port, { 'X-API-Key': KEY.key });
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const tab = await context.newPage();
    const tabWatch = new PageWatch(tab);
    const sent: { url: string; key: string | undefined }[] = [];
    tab.on('request', (request) => {
      if (new URL(request.url()).pathname.startsWith('/v1/'))
        sent.push({ url: request.url(), key: request.headers()['x-api-key'] });
    });
    tabWatch.phase('asked');
    await tab.goto(`http://127.0.0.1:${port}/`);
    await tab.waitForSelector('#key-dialog[open]');
    await shot(tab, 'api-key');
    // A wrong key is refused and asked again; the right one opens everything.
    await tab.fill('#key-input', 'ck_wrong');
    await tab.click('#key-form button[type="submit"]');
    await tab.waitForSelector('#key-reason:text("refused")');
    await tab.fill('#key-input', KEY.key);
    await tab.click('#key-form button[type="submit"]');
    await tab.waitForSelector('#connection[data-state="live"]');
    await tab.waitForSelector('#markets-table tbody tr[data-key] td[data-value]:not([data-value=""])');

    expect(await sessionItem(tab, 'confluence.apiKey')).toBe(KEY.key);
    const refused = tabWatch.problems('asked');
    expect(refused.filter((p) => p.kind === 'status').map((p) => [p.text, new URL(p.url).pathname])).toEqual([
      ['401', '/v1/markets'],
      ['401', '/v1/markets'],
    ]);
    expect(refused.filter((p) => p.kind !== 'status' && !p.text.includes('status of 401'))).toEqual([]);
    expect(sent.slice(0, 2).map((request) => request.key)).toEqual([undefined, 'ck_wrong']);
    expect(sent.slice(2).every((request) => request.key === KEY.key)).toBe(true);
    expect(sent.length).toBeGreaterThan(2);

    // A reload in the same tab asks nothing: the key is in session storage.
    tabWatch.phase('reloaded');
    await tab.reload();
    await tab.waitForSelector('#connection[data-state="live"]');
    await tab.waitForSelector('#markets-table tbody tr[data-key] td[data-value]:not([data-value=""])');
    expect(await tab.locator('#key-dialog').getAttribute('open')).toBeNull();
    expect(tabWatch.problems('reloaded')).toEqual([]);
    await context.close();
  });
});
