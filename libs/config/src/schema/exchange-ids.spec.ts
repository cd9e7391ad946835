import { describe, expect, it } from '@jest/globals';
import { exchanges } from 'ccxt';
import { CCXT_EXCHANGE_IDS } from './exchange-ids.js';

describe('CCXT_EXCHANGE_IDS', () => {
  it("is exactly the installed ccxt's list of exchanges (update it with ccxt)", () => {
    expect([...CCXT_EXCHANGE_IDS].sort()).toEqual(Object.keys(exchanges).sort());
  });
});
