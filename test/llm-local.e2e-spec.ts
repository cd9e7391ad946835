import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { io, type Socket } from 'socket.io-client';
import {
  type ConfigFixture,
  createConfigFixture,
  eventually,
  FakeOpenAiServer,
  freePort,
  REPO_ROOT,
  SpawnedProcess,
} from '@app/testing';

/**
 * Issue 22's end to end in local mode (`npm start`'s built entry point): replayed candles change
 * the label of BTC/USDT 1m; each change asks the model once (the loopback fake, through the real
 * SDK), and the opinion reaches Socket.IO subscribers of the market's room and the stored result
 * history serves — the same opinion on both, equal to what the endpoint answered.
 */

const ENTRY = 'dist/local/main.js';
const KEY = 'sk-e2e-local-mode-key-7f3a';
const MARKET = { exchange: 'binance', symbol: 'BTC/USDT', timeframe: '1m' } as const;

interface SignalChanged {
  timeframe: string;
  time: number;
  from: string | null;
  to: string;
}
interface OpinionEvent {
  timeframe: string;
  candleTime: number;
  label: string;
  inputHash: string;
  opinion: { status: string; signal?: string; confidence?: number; reasoning?: string; inputHash?: string };
}

/** The fake answers with the engine's own label, read from the facts it was sent (so each answer differs). */
function agreeing(body: unknown): string {
  const messages = (body as { messages?: { content?: string }[] }).messages ?? [];
  const facts = messages.at(-1)?.content ?? '';
  const label = /"engine":\{"score":[\d.]+,"label":"(LONG|NEUTRAL|SHORT)"/.exec(facts)?.[1] ?? 'NEUTRAL';
  return JSON.stringify({
    signal: label,
    confidence: 0.61,
    reasoning: `Agrees with the engine's ${label}.`,
    risks: ['a reversal of order flow'],
  });
}

let fake: FakeOpenAiServer;
let fixture: ConfigFixture;
let local: SpawnedProcess;
let port: number;
let client: Socket;
const changes: SignalChanged[] = [];
const opinions: OpinionEvent[] = [];

beforeAll(async () => {
  if (!existsSync(join(REPO_ROOT, ENTRY)))
    throw new Error(`${ENTRY} is missing: run \`npm run build\` first`);
  fake = await FakeOpenAiServer.start({ answer: agreeing });
  fixture = createConfigFixture();
  fixture.patch('llm.yaml', 'baseUrl: https://api.openai.com/v1', `baseUrl: ${fake.baseURL}`);
  fixture.patch('llm.yaml', 'minSpacingMs: 500', 'minSpacingMs: 0');
  fixture.patch('llm.yaml', 'markets: [] # exchange:BASE/QUOTE', "markets: ['binance:BTC/USDT'] #");
  fixture.patch('llm.yaml', 'timeframes: [] # empty', 'timeframes: [1m] #');
  fixture.patch('exchanges.yaml', 'files: []', 'files: [BTC-USDT_1m_2021-02-19_binance.csv]');
  fixture.patch('exchanges.yaml', 'speed: 60', 'speed: 600');
  port = await freePort();
  local = SpawnedProcess.node(ENTRY, {
    PATH: process.env.PATH,
    NODE_ENV: 'development',
    TZ: 'UTC',
    PORT: String(port),
    CONFIG_DIR: fixture.dir,
    OPENAI_API_KEYS: KEY,
  });
  await local.waitFor(new RegExp(`local listening on http://127\\.0\\.0\\.1:${port}`));
  client = io(`http://127.0.0.1:${port}/signals`, {
    forceNew: true,
    transports: ['websocket'],
    reconnection: false,
  });
  client.on('signal.changed', (change: SignalChanged) => changes.push(change));
  client.on('llm.opinion', (event: OpinionEvent) => opinions.push(event));
  const ack: unknown = await client.timeout(10_000).emitWithAck('subscribe', MARKET);
  expect(ack).toMatchObject({ ok: true });
}, 120_000);

afterAll(async () => {
  client.close();
  await local.kill();
  await fake.close();
  fixture.cleanup();
});

describe('LLM opinions in local mode', () => {
  it('asks once per label change and delivers the answer to the room and to the stored result', async () => {
    // Label changes seen on the room since subscribing (the replay's first burst may precede it).
    await eventually(() => changes.filter((c) => c.from !== null).length >= 2, 'two label changes', {
      timeoutMs: 90_000,
    });
    const changed = changes.filter((c) => c.from !== null).slice(0, 2);
    await eventually(
      () =>
        changed.every((c) => opinions.some((o) => o.candleTime === c.time && o.timeframe === c.timeframe)),
      'an opinion for each of them',
    );
    const seen = changed.map((c) =>
      opinions.filter((o) => o.candleTime === c.time && o.timeframe === c.timeframe),
    );

    for (const [index, change] of changed.entries()) {
      // Exactly one opinion per change, about the result that made it, equal to the answer.
      expect(seen[index]).toHaveLength(1);
      const event = seen[index]?.[0];
      expect(event?.label).toBe(change.to);
      expect(event?.opinion).toMatchObject({
        status: 'ok',
        signal: change.to,
        confidence: 0.61,
        reasoning: `Agrees with the engine's ${change.to}.`,
        inputHash: event?.inputHash,
        cached: false,
        agrees: true,
      });
    }
    // One request per opinion, each carrying the key: never one per candle.
    const asked = fake.requests.filter((r) => r.path === '/v1/chat/completions');
    expect(asked.length).toBeGreaterThanOrEqual(changed.length);
    expect(asked.every((r) => r.key === KEY)).toBe(true);
    expect(new Set(opinions.map((o) => `${o.timeframe}@${String(o.candleTime)}`)).size).toBe(opinions.length);

    // The stored result of the first opinion's candle carries the same opinion.
    const first = seen[0]?.[0];
    if (first === undefined) throw new Error('no opinion');
    await eventually(async () => {
      const url = `http://127.0.0.1:${port}/v1/confluence/binance/BTC-USDT/history?timeframe=1m&from=${String(first.candleTime)}&to=${String(first.candleTime)}`;
      const page = (await (await fetch(url)).json()) as { items: { llm?: unknown }[] };
      return page.items[0]?.llm !== undefined;
    }, 'the opinion on the stored result');
    const url = `http://127.0.0.1:${port}/v1/confluence/binance/BTC-USDT/history?timeframe=1m&from=${String(first.candleTime)}&to=${String(first.candleTime)}`;
    const page = (await (await fetch(url)).json()) as { items: { llm?: unknown; label: string }[] };
    expect(page.items[0]?.llm).toEqual(first.opinion);
    expect(page.items[0]?.label).toBe(first.label);
  });

  it('names the key by its last four characters only, in logs and readiness', async () => {
    const ready = (await (await fetch(`http://127.0.0.1:${port}/health/ready`)).json()) as {
      checks?: { llm?: { status: string; keys?: string[] } };
    };

    expect(ready.checks?.llm).toMatchObject({ status: 'up', state: 'on', keys: ['…7f3a ready'] });
    expect(local.stdout + local.stderr).not.toContain(KEY);
    expect(local.stdout).toContain('…7f3a');
  });
});
