// Closed forms: the whitepaper's tables, Rosenfeld's exact race, Eyal–Sirer's revenue and threshold, input guards.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InputError } from '../core/errors.ts';
import {
  exactDoubleSpendProbability,
  MAX_CONFIRMATIONS,
  nakamotoProbability,
  selfishRevenueShare,
  selfishThreshold,
} from './theory.ts';

const SEED = 0x7e0;

/** Nakamoto's section 11 tables: attacker success probability P for q and z, printed to 7 decimals. */
const WHITEPAPER_TABLE: readonly { q: number; z: number; p: number }[] = [
  ...[1.0, 0.2045873, 0.0509779, 0.0131722, 0.0034552, 0.0009137, 0.0002428, 0.0000647, 0.0000173, 0.0000046, 0.0000012].map((p, z) => ({ q: 0.1, z, p })),
  ...[1.0, 0.1773523, 0.0416605, 0.0101008, 0.0024804, 0.0006132, 0.0001522, 0.0000379, 0.0000095, 0.0000024, 0.0000006].map((p, i) => ({ q: 0.3, z: 5 * i, p })),
];

/** Nakamoto's section 11 "solving for P less than 0.1%": the least z for each q. */
const WHITEPAPER_LEAST_Z: readonly [q: number, z: number][] = [
  [0.1, 5], [0.15, 8], [0.2, 11], [0.25, 15], [0.3, 24], [0.35, 41], [0.4, 89], [0.45, 340],
];

/** Rosenfeld's closed form exactly as written, with its cancellation: a reference for moderate z. */
function rosenfeldAsWritten(q: number, z: number): number {
  const p = 1 - q;
  let sum = 0;
  let choose = 1; // C(m+z-1, m)
  for (let m = 0; m <= z; m++) {
    sum += choose * (p ** z * q ** m - p ** m * q ** z);
    choose *= (m + z) / (m + 1);
  }
  return 1 - sum;
}

/** The exact race for q = percent/100 in BigInt: Σ C(m+z-1, m) p^m q^z + P[Binomial(2z, q) > z], as a double. */
function rationalExact(percent: bigint, z: bigint): number {
  const q = percent;
  const p = 100n - percent;
  const choose = (n: bigint, k: bigint): bigint => {
    let c = 1n;
    for (let i = 1n; i <= k; i++) c = (c * (n - k + i)) / i;
    return c;
  };
  // Every term over the common denominator 100^(2z).
  let numerator = 0n;
  for (let m = 0n; m <= z; m++) numerator += choose(m + z - 1n, m) * p ** m * q ** z * 100n ** (z - m);
  for (let k = z + 1n; k <= 2n * z; k++) numerator += choose(2n * z, k) * q ** k * p ** (2n * z - k);
  const scale = 10n ** 30n;
  return Number((numerator * scale) / 100n ** (2n * z)) / 1e30;
}

function expectInputError(fn: () => unknown, code: string): void {
  let thrown: unknown;
  try {
    fn();
  } catch (e) {
    thrown = e;
  }
  expect(thrown).toBeInstanceOf(InputError);
  expect((thrown as InputError).code).toBe(code);
  expect((thrown as Error).message).toMatch(/^expected .*, got /);
}

const share = fc.double({ min: 0.001, max: 0.499, noNaN: true });
const confirmations = fc.integer({ min: 0, max: 60 });

describe('nakamotoProbability (whitepaper section 11)', () => {
  it.each(WHITEPAPER_TABLE)('q=$q z=$z gives $p', ({ q, z, p }) => {
    expect(nakamotoProbability(q, z)).toBeCloseTo(p, 7);
  });

  it.each(WHITEPAPER_LEAST_Z)('q=%s needs z=%s for P < 0.1%%', (q, z) => {
    expect(nakamotoProbability(q, z)).toBeLessThan(0.001);
    expect(nakamotoProbability(q, z - 1)).toBeGreaterThanOrEqual(0.001);
  });

  it('is 1 for a zero-confirmation payment and for a majority attacker', () => {
    expect(nakamotoProbability(0.01, 0)).toBe(1);
    for (const q of [0.5, 0.6, 0.999]) expect(nakamotoProbability(q, 100)).toBe(1);
  });

  it('agrees with the published 1 - sum form wherever that form has the digits', () => {
    fc.assert(
      fc.property(share, confirmations, (q, z) => {
        const p = 1 - q;
        const lambda = (z * q) / p;
        let sum = 1;
        for (let k = 0; k <= z; k++) {
          let poisson = Math.exp(-lambda);
          for (let i = 1; i <= k; i++) poisson *= lambda / i;
          sum -= poisson * (1 - (q / p) ** (z - k));
        }
        expect(Math.abs(nakamotoProbability(q, z) - sum)).toBeLessThan(1e-12);
      }),
      { seed: SEED },
    );
  });
});

describe('exactDoubleSpendProbability (Rosenfeld 2014)', () => {
  it('is 2q for one confirmation: q/p from one block behind, or level after one block', () => {
    fc.assert(fc.property(share, (q) => void expect(exactDoubleSpendProbability(q, 1)).toBeCloseTo(2 * q, 14)), { seed: SEED });
  });

  it("matches Rosenfeld's table value for q = 0.1, six confirmations (0.00059)", () => {
    expect(exactDoubleSpendProbability(0.1, 6)).toBeCloseTo(0.000591412, 9);
  });

  it('equals the closed form as written (no cancellation issues at moderate z)', () => {
    fc.assert(
      fc.property(share, confirmations, (q, z) => {
        expect(Math.abs(exactDoubleSpendProbability(q, z) - rosenfeldAsWritten(q, z))).toBeLessThan(1e-12);
      }),
      { seed: SEED },
    );
  });

  it('keeps its relative precision where 1 - sum has none (checked against exact rational arithmetic)', () => {
    for (const [q, z] of [[1, 10], [10, 20], [30, 40], [45, 7]] as const) {
      const reference = rationalExact(BigInt(q), BigInt(z)); // q percent
      const r = exactDoubleSpendProbability(q / 100, z);
      expect(Math.abs(r - reference) / reference).toBeLessThan(1e-12);
    }
    expect(exactDoubleSpendProbability(0.01, 10)).toBeLessThan(1e-14); // below what 1 - sum could show
    expect(exactDoubleSpendProbability(0.1, MAX_CONFIRMATIONS)).toBe(0);
    expect(exactDoubleSpendProbability(0.49, MAX_CONFIRMATIONS)).toBeGreaterThan(0);
  });

  it('falls with z, rises with q, and is 1 at z = 0 or q >= 1/2', () => {
    fc.assert(
      fc.property(share, confirmations, fc.double({ min: 0, max: 0.05, noNaN: true }), (q, z, dq) => {
        const r = exactDoubleSpendProbability(q, z);
        expect(r).toBeGreaterThan(0);
        expect(r).toBeLessThanOrEqual(1);
        expect(exactDoubleSpendProbability(q, z + 1)).toBeLessThanOrEqual(r);
        expect(exactDoubleSpendProbability(Math.min(q + dq, 0.499), z)).toBeGreaterThanOrEqual(r * (1 - 1e-12));
      }),
      { seed: SEED },
    );
    expect(exactDoubleSpendProbability(0.2, 0)).toBe(1);
    expect(exactDoubleSpendProbability(0.5, 6)).toBe(1);
  });

  it('differs from the Poisson approximation in a known way: above it at z = 1, below it for large z', () => {
    // One confirmation: Nakamoto's 1 - e^-λ(1-λ) with λ = q/p exceeds the exact 2q for every q < 1/2.
    fc.assert(fc.property(share, (q) => void expect(nakamotoProbability(q, 1)).toBeGreaterThan(exactDoubleSpendProbability(q, 1))), { seed: SEED });
    // Where the Poisson curve crosses below the exact one depends on q: between z = 1 and 2 for q = 0.1,
    // between 2 and 3 for q = 0.3, between 20 and 50 for q = 0.45 (for q = 0.1, z = 6 it is 2.4x too low).
    const below = (q: number, z: number): boolean => nakamotoProbability(q, z) < exactDoubleSpendProbability(q, z);
    expect([1, 2, 6, 10].map((z) => below(0.1, z))).toEqual([false, true, true, true]);
    expect([1, 2, 3, 6].map((z) => below(0.3, z))).toEqual([false, false, true, true]);
    expect([1, 2, 6, 20, 50].map((z) => below(0.45, z))).toEqual([false, false, false, false, true]);
    expect(exactDoubleSpendProbability(0.1, 6) / nakamotoProbability(0.1, 6)).toBeCloseTo(2.436, 3);
  });
});

describe('selfish mining (Eyal & Sirer 2014)', () => {
  it('has the published thresholds 1/3, 1/4 and 0', () => {
    expect(selfishThreshold(0)).toBeCloseTo(1 / 3, 15);
    expect(selfishThreshold(0.5)).toBe(0.25);
    expect(selfishThreshold(1)).toBe(0);
  });

  it('pays exactly the fair share at the threshold, more above it and less below it', () => {
    expect(selfishRevenueShare(1 / 3, 0)).toBeCloseTo(1 / 3, 15);
    expect(selfishRevenueShare(0.25, 0.5)).toBeCloseTo(0.25, 15);
    fc.assert(
      fc.property(fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0.001, max: 0.499, noNaN: true }), (gamma, alpha) => {
        const threshold = selfishThreshold(gamma);
        fc.pre(Math.abs(alpha - threshold) > 1e-6);
        expect(selfishRevenueShare(alpha, gamma) > alpha).toBe(alpha > threshold);
      }),
      { seed: SEED },
    );
  });

  it('rises with gamma and with alpha, reaching 1 at alpha = 1/2', () => {
    fc.assert(
      fc.property(fc.double({ min: 0.001, max: 0.49, noNaN: true }), fc.double({ min: 0, max: 0.99, noNaN: true }), (alpha, gamma) => {
        const r = selfishRevenueShare(alpha, gamma);
        expect(r).toBeGreaterThanOrEqual(0);
        expect(r).toBeLessThan(1);
        expect(selfishRevenueShare(alpha, gamma + 0.01)).toBeGreaterThanOrEqual(r);
        expect(selfishRevenueShare(alpha + 0.009, gamma)).toBeGreaterThan(r);
      }),
      { seed: SEED },
    );
    expect(selfishRevenueShare(0.4999999, 0)).toBeCloseTo(1, 5);
    for (const alpha of [0.5, 0.6, 0.99]) expect(selfishRevenueShare(alpha, 0.3)).toBe(1);
  });
});

describe('input guards', () => {
  it('rejects q outside (0, 1), z that is not a bounded integer, alpha outside (0, 1), gamma outside [0, 1]', () => {
    for (const q of [0, 1, -0.1, 1.5, Number.NaN, '0.1' as unknown as number]) {
      expectInputError(() => nakamotoProbability(q, 1), 'bad-q');
      expectInputError(() => exactDoubleSpendProbability(q, 1), 'bad-q');
    }
    for (const z of [-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, MAX_CONFIRMATIONS + 1]) {
      expectInputError(() => nakamotoProbability(0.1, z), 'bad-z');
      expectInputError(() => exactDoubleSpendProbability(0.1, z), 'bad-z');
    }
    for (const alpha of [0, 1, -0.2, Number.NaN]) expectInputError(() => selfishRevenueShare(alpha, 0), 'bad-alpha');
    for (const gamma of [-0.01, 1.01, Number.NaN]) {
      expectInputError(() => selfishRevenueShare(0.3, gamma), 'bad-gamma');
      expectInputError(() => selfishThreshold(gamma), 'bad-gamma');
    }
  });
});
