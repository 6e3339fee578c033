// Formatting helpers of the renderer: counts with their nouns.

import { describe, expect, it } from 'vitest';
import { count } from './format';

describe('count', () => {
  it('puts the noun in the singular for exactly one, else in the plural', () => {
    expect(count(1, 'coinbase')).toBe('1 coinbase');
    expect(count(0, 'coinbase')).toBe('0 coinbases');
    expect(count(3, 'spend')).toBe('3 spends');
    expect(count(2, 'child', 'children')).toBe('2 children');
    expect(count(1, 'child', 'children')).toBe('1 child');
  });
});
