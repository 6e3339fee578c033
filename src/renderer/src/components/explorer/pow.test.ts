import { describe, expect, it } from 'vitest';
import { bigCount, log2, targetFromBits, workForTarget } from './pow.ts';

describe('targetFromBits', () => {
  it('decodes the genesis bits of Bitcoin mainnet (0x1d00ffff)', () => {
    expect(targetFromBits(0x1d00ffff)).toBe(0xffffn << 208n);
  });
  it('decodes regtest bits (0x207fffff)', () => {
    expect(targetFromBits(0x207fffff)).toBe(0x7fffffn << 232n);
  });
  it('shifts right for exponents below 3', () => {
    expect(targetFromBits(0x01123456)).toBe(0x12n);
    expect(targetFromBits(0x02123456)).toBe(0x1234n);
    expect(targetFromBits(0x03123456)).toBe(0x123456n);
  });
});

describe('workForTarget', () => {
  it('is 2^256 / (target + 1), as GetBlockProof', () => {
    expect(workForTarget(targetFromBits(0x207fffff))).toBe(2n);
    expect(workForTarget(targetFromBits(0x1d00ffff))).toBe(0x100010001n);
  });
});

describe('formatting', () => {
  it('groups short counts and writes long ones in powers of ten', () => {
    expect(bigCount(4295032833n)).toBe('4,295,032,833');
    expect(bigCount(10n ** 21n * 123n)).toBe('1.23 × 10^23');
  });
  it('takes log2 of big values', () => {
    expect(log2(1n << 100n)).toBeCloseTo(100, 6);
    expect(log2(2n)).toBe(1);
  });
});
