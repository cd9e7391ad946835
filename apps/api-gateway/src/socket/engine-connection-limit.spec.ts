import { EventEmitter } from 'node:events';
import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from '@jest/globals';
import { type EngineConnection, EngineConnectionLimit } from './engine-connection-limit.js';

/** Engine.IO connections per address: the handshake check, the count, and the race between them. */

class FakeConnection extends EventEmitter implements EngineConnection {
  closed = false;

  constructor(readonly remoteAddress: string) {
    super();
  }

  close(): void {
    this.closed = true;
    this.emit('close');
  }
}

function handshake(limit: EngineConnectionLimit, address: string): string {
  const request = { socket: { remoteAddress: address } } as unknown as IncomingMessage;
  let answer = 'no answer';
  limit.allowRequest(request, (error, success) => {
    answer = success ? 'allowed' : `refused: ${String(error)}`;
  });
  return answer;
}

function setUp(max: number): { limit: EngineConnectionLimit; engine: EventEmitter; refused: () => number } {
  let refused = 0;
  const limit = new EngineConnectionLimit(max, () => (refused += 1));
  const engine = new EventEmitter();
  limit.attach(engine);
  return { limit, engine, refused: () => refused };
}

function connect(engine: EventEmitter, address: string): FakeConnection {
  const connection = new FakeConnection(address);
  engine.emit('connection', connection);
  return connection;
}

describe('EngineConnectionLimit', () => {
  it('allows handshakes until the address holds its limit of connections, then refuses with the reason', () => {
    const { limit, engine, refused } = setUp(2);
    expect(handshake(limit, '10.0.0.1')).toBe('allowed');
    connect(engine, '10.0.0.1');
    // A handshake that was allowed but never became a connection counts nothing.
    expect(handshake(limit, '10.0.0.1')).toBe('allowed');
    connect(engine, '10.0.0.1');

    expect(handshake(limit, '10.0.0.1')).toBe('refused: too many connections from this address (max 2)');
    expect(handshake(limit, '10.0.0.2')).toBe('allowed');
    expect([limit.total, refused()]).toEqual([2, 1]);
  });

  it('gives the place back when a connection closes', () => {
    const { limit, engine } = setUp(1);
    const first = connect(engine, '10.0.0.1');
    expect(handshake(limit, '10.0.0.1')).toMatch(/^refused/);
    first.close();
    expect(limit.total).toBe(0);
    expect(handshake(limit, '10.0.0.1')).toBe('allowed');
  });

  it('closes the later of two connections that raced past the handshake check', () => {
    const { limit, engine, refused } = setUp(1);
    expect([handshake(limit, '10.0.0.1'), handshake(limit, '10.0.0.1')]).toEqual(['allowed', 'allowed']);
    const first = connect(engine, '10.0.0.1');
    const second = connect(engine, '10.0.0.1');

    expect([first.closed, second.closed]).toEqual([false, true]);
    // Its close gives back no place it never took.
    expect([limit.total, refused()]).toEqual([1, 1]);
    expect(handshake(limit, '10.0.0.1')).toMatch(/^refused/);
  });
});
