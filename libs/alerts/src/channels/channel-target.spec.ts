import { describe, expect, it } from '@jest/globals';
import { loadNotifications } from '../testing/notifications-kit.js';
import { channelTarget, MissingChannelSecretError, redactedUrl, withoutSecrets } from './channel-target.js';
import { retryAfterMs } from './http-transport.js';

/** The small rules around a send: Retry-After, what a log may show of a URL, the secret a channel needs. */

describe('retryAfterMs', () => {
  const now = Date.UTC(2024, 0, 1, 12);

  it.each([
    ['7', 7_000],
    ['0.5', 500],
    [new Date(now + 12_000).toUTCString(), 12_000],
    [new Date(now - 5_000).toUTCString(), 0],
    ['soon', null],
    ['', null],
    [null, null],
  ])('reads %p as %p ms', (header, ms) => {
    expect(retryAfterMs(header, now)).toBe(ms);
  });
});

describe('channel targets', () => {
  it('refuses to build a channel whose secret variable is not set, naming the variable', () => {
    const { notifications } = loadNotifications(
      '  channels:\n    - { name: dc, type: discord, urlEnv: DC_URL }\n  rules: []\n',
    );
    const [channel] = notifications.channels;

    expect(() => channel && channelTarget(channel, () => undefined)).toThrow(
      new MissingChannelSecretError('dc', 'DC_URL'),
    );
    expect(() => channel && channelTarget(channel, () => undefined)).toThrow('channel dc: DC_URL is not set');
  });

  it('logs a URL as scheme and host only, and masks every secret, longest first', () => {
    expect(redactedUrl('https://discord.com/api/webhooks/42/tok?wait=true')).toBe('https://discord.com/…');
    expect(redactedUrl('not a url')).toBe('(invalid URL)');
    expect(
      withoutSecrets('url https://h/bot12:abc/send, token 12:abc', ['12:abc', 'https://h/bot12:abc/send']),
    ).toBe('url ***, token ***');
  });
});
