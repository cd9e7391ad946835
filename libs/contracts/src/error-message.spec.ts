import { describe, expect, it } from '@jest/globals';
import { errorMessage } from './error-message.js';

describe('errorMessage', () => {
  it('says what any caught value says', () => {
    expect(errorMessage(new TypeError('bad type'))).toBe('bad type');
    // An error of another realm, or a library's plain error object.
    expect(errorMessage({ message: 'from elsewhere', code: 42 })).toBe('from elsewhere');
    expect(errorMessage('a string')).toBe('a string');
    expect(errorMessage(7)).toBe('7');
    expect(errorMessage(undefined)).toBe('undefined');
    expect(errorMessage(null)).toBe('null');
    expect(errorMessage({ message: 3 })).toBe('[object Object]');
    expect(errorMessage(Object.create(null))).toBe('[object Object]');
  });
});
